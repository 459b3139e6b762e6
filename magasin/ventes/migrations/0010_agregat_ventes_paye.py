"""Issue 21: the reports by channel count a sale recorded unpaid as credit, whatever its mode, as
the till does; the daily summary (`AgregatVentesJour`) is therefore keyed by `paye` too.

Rows written before lack the distinction: every summary row is deleted (the four tables, which
exist together, as in 0009); the reports compute those days live until the next `agreger_ventes`.
"""

from django.db import migrations, models


def oublier_les_agregats(apps, schema_editor):  # type: ignore[no-untyped-def]
    for modele in ("AgregatArticlesMoisDetail", "AgregatArticlesMois", "AgregatArticlesJour", "AgregatVentesJour"):
        apps.get_model("ventes", modele).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("ventes", "0009_marges_agregats")]

    operations = [
        migrations.RunPython(oublier_les_agregats, migrations.RunPython.noop),
        migrations.AddField(
            model_name="agregatventesjour",
            name="paye",
            field=models.BooleanField(default=True),
        ),
    ]
