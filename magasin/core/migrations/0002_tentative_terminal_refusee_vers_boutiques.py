"""TentativeTerminalRefusee now belongs to boutiques (its 0003): core forgets the model, keeps
the table and its rows (no SQL). Core has no model left: it imports no domain app."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("boutiques", "0003_tentative_terminal_refusee"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="TentativeTerminalRefusee")],
            database_operations=[],
        ),
    ]
