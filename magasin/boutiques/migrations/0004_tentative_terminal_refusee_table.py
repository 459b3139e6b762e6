"""The table of TentativeTerminalRefusee takes the boutiques app's name (rows kept)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("boutiques", "0003_tentative_terminal_refusee"),
        # After core has forgotten the model: the table is boutiques' alone from here.
        ("core", "0002_tentative_terminal_refusee_vers_boutiques"),
    ]

    operations = [
        migrations.AlterModelTable(name="tentativeterminalrefusee", table=None),
    ]
