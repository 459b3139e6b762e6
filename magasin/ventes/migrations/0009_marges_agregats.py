"""Issue 21: the margins page at a year of data (`ventes.marges`).

The daily and monthly article summaries (`AgregatArticlesJour`, `AgregatArticlesMois`) get the
margin figures of their day's (month's) lines: revenue, cost and units of the lines of known
cost, revenue and units of the others (`marge_*`).

Rows written before this migration lack those figures, and a day counts as summarised as soon
as it has `AgregatVentesJour` rows: every summary row is deleted here (the four tables, which
exist together: `AgregatVentesJour`, `AgregatArticlesJour`, `AgregatArticlesMois`,
`AgregatArticlesMoisDetail`). The reports and the margins compute such days live until the next
`agreger_ventes` (nightly) summarises them again, complete (a year: about a minute).
"""

from django.db import migrations, models


def oublier_les_agregats(apps, schema_editor):  # type: ignore[no-untyped-def]
    for modele in ("AgregatArticlesMoisDetail", "AgregatArticlesMois", "AgregatArticlesJour", "AgregatVentesJour"):
        apps.get_model("ventes", modele).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ventes", "0008_annee_index"),
    ]

    operations = [
        migrations.RunPython(oublier_les_agregats, migrations.RunPython.noop),
        migrations.AddField(
            model_name="agregatarticlesjour",
            name="marge_chiffre",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=18),
        ),
        migrations.AddField(
            model_name="agregatarticlesjour",
            name="marge_chiffre_sans_cout",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=18),
        ),
        migrations.AddField(
            model_name="agregatarticlesjour",
            name="marge_cout",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=18),
        ),
        migrations.AddField(
            model_name="agregatarticlesjour",
            name="marge_quantite",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="agregatarticlesjour",
            name="marge_quantite_sans_cout",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="agregatarticlesmois",
            name="marge_chiffre",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=18),
        ),
        migrations.AddField(
            model_name="agregatarticlesmois",
            name="marge_chiffre_sans_cout",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=18),
        ),
        migrations.AddField(
            model_name="agregatarticlesmois",
            name="marge_cout",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=18),
        ),
        migrations.AddField(
            model_name="agregatarticlesmois",
            name="marge_quantite",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="agregatarticlesmois",
            name="marge_quantite_sans_cout",
            field=models.IntegerField(default=0),
        ),
    ]
