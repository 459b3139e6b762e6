"""TentativeTerminalRefusee moves from the core app to boutiques (it is about terminals).

The rows are kept: the model is adopted in the migration state over the table that core's
0001 created (no SQL), core's 0002 then forgets it, and only then is the table renamed to the
name boutiques would have given it. A fresh database and an existing one end the same way.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("boutiques", "0002_tolerance"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TentativeTerminalRefusee",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "motif",
                            models.CharField(
                                choices=[("INACTIF", "Terminal désactivé"), ("SANS_BOUTIQUE", "Terminal sans boutique")],
                                max_length=20,
                            ),
                        ),
                        ("nombre", models.PositiveIntegerField(default=1)),
                        ("premiere_tentative", models.DateTimeField()),
                        ("derniere_tentative", models.DateTimeField()),
                        (
                            "boutique",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="boutiques.boutique",
                            ),
                        ),
                        (
                            "terminal",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="boutiques.terminal"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "tentative de terminal refusée",
                        "verbose_name_plural": "tentatives de terminaux refusées",
                        "constraints": [
                            models.UniqueConstraint(fields=("terminal", "motif"), name="tentative_terminal_motif")
                        ],
                        # The table core's 0001 created, until 0004 renames it.
                        "db_table": "core_tentativeterminalrefusee",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
