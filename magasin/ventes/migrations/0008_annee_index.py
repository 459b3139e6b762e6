"""Issue 21, a year of data.

- The sale lines' index on `vente` made covering on PostgreSQL (a terminal's month of lines read
  from the index alone); a plain index elsewhere. Created before the plain one is dropped:
  MariaDB needs an index on a foreign key's column at every moment.
- PostgreSQL: a trigram index on the invoice number, for the history's search by a part of it
  (`numero_facture__icontains`, i.e. UPPER(numero_facture) LIKE '%…%'): a year of sales was
  scanned whole, twice (the list and its totals). Needs the pg_trgm extension, created here when
  the role may (a trusted extension since PostgreSQL 13); without it the search stays a scan.
- `SequencesContinues`, per terminal the counter value up to which nothing is missing (the gap
  check counts only the values above it).
- `AgregatArticlesMoisDetail`, a closed month per article, terminal, web cashier and mode. It
  exists together with the month's `AgregatArticlesMois` rows: those are deleted here, and the
  next `agreger_ventes` writes both (a month is a few tenths of a second).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import DatabaseError, migrations, models, transaction


def oublier_les_mois(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("ventes", "AgregatArticlesMois").objects.all().delete()


def index_trigrammes(apps, schema_editor):  # type: ignore[no-untyped-def]
    connexion = schema_editor.connection
    if connexion.vendor != "postgresql":
        return
    with connexion.cursor() as curseur:
        try:
            with transaction.atomic(using=connexion.alias):
                curseur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:
            return
        curseur.execute(
            "CREATE INDEX IF NOT EXISTS vente_numero_trgm_idx ON ventes_vente "
            "USING gin (UPPER(numero_facture::text) gin_trgm_ops)"
        )


def index_trigrammes_retirer(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS vente_numero_trgm_idx")


class Migration(migrations.Migration):

    dependencies = [
        ('boutiques', '0004_tentative_terminal_refusee_table'),
        ('stock', '0008_transferts_receptions'),
        ('ventes', '0007_agregats_jour'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(oublier_les_mois, migrations.RunPython.noop),
        migrations.RunPython(index_trigrammes, index_trigrammes_retirer),
        migrations.CreateModel(
            name='AgregatArticlesMoisDetail',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('mois', models.DateField(help_text='Premier jour du mois')),
                ('mode_paiement', models.CharField(blank=True, default='', max_length=20)),
                ('quantite', models.IntegerField(default=0)),
                ('montant', models.DecimalField(decimal_places=2, default=0, max_digits=18)),
                ('quantite_retournee', models.IntegerField(default=0)),
                ('retours', models.DecimalField(decimal_places=2, default=0, max_digits=18)),
            ],
            options={
                'verbose_name': "agrégat d'articles du mois par terminal, caissier et mode",
                'verbose_name_plural': "agrégats d'articles du mois par terminal, caissier et mode",
            },
        ),
        migrations.AddIndex(
            model_name='lignevente',
            index=models.Index(fields=['vente'], include=('article', 'quantite', 'total_ligne', 'cout_unitaire'), name='ligne_vente_couvrante_idx'),
        ),
        migrations.AlterField(
            model_name='lignevente',
            name='vente',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='lignes', to='ventes.vente'),
        ),
        migrations.AddField(
            model_name='agregatarticlesmoisdetail',
            name='article',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='stock.article'),
        ),
        migrations.AddField(
            model_name='agregatarticlesmoisdetail',
            name='boutique',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='boutiques.boutique'),
        ),
        migrations.AddField(
            model_name='agregatarticlesmoisdetail',
            name='cree_par',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='agregatarticlesmoisdetail',
            name='terminal',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='boutiques.terminal'),
        ),
        migrations.CreateModel(
            name='SequencesContinues',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('jusqu_a', models.BigIntegerField()),
                ('boutique', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='boutiques.boutique')),
                ('terminal', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='boutiques.terminal')),
            ],
            options={
                'verbose_name': "séquences continues d'un terminal",
                'verbose_name_plural': 'séquences continues des terminaux',
            },
        ),
        migrations.AddIndex(
            model_name='agregatarticlesmoisdetail',
            index=models.Index(fields=['boutique', 'mois'], name='agregat_detail_btq_mois_idx'),
        ),
    ]
