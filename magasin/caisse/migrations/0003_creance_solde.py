"""`Creance.solde`: the balance a receivable keeps (what its sale owes now, less what payments
settled), so that a year of receivables is summed by the database. Filled here for the existing
rows by the rule of `caisse.selectors.soldes_des_creances` (written out on the models of this
point of the history); kept by `caisse.services.creances_resolder` from now on."""

from django.db import migrations, models
from django.db.models import Case, DecimalField, F, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

ZERO = Value(0, output_field=DecimalField(max_digits=16, decimal_places=2))


def remplir(apps, schema_editor):
    Creance = apps.get_model("caisse", "Creance")
    Retour = apps.get_model("ventes", "Retour")
    Affectation = apps.get_model("caisse", "Affectation")
    montant = DecimalField(max_digits=16, decimal_places=2)
    rendus = Retour.objects.filter(vente=OuterRef("vente")).values("vente").annotate(s=Sum("montant")).values("s")
    regles = Affectation.objects.filter(creance=OuterRef("pk")).values("creance").annotate(s=Sum("montant_cdf")).values("s")
    lues = Creance.objects.annotate(
        du=Case(
            When(vente__statut="ANNULEE", then=ZERO),
            default=F("montant") - Coalesce(Subquery(rendus, output_field=montant), ZERO),
            output_field=montant,
        ),
        regle=Coalesce(Subquery(regles, output_field=montant), ZERO),
    ).order_by("pk")
    dernier = 0
    while paquet := list(lues.filter(pk__gt=dernier)[:2000]):
        for creance in paquet:
            creance.solde = creance.du - creance.regle
        Creance.objects.bulk_update(paquet, ["solde"])
        dernier = paquet[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("caisse", "0002_creances_des_ventes_anterieures"),
        ("ventes", "0010_agregat_ventes_paye"),
    ]

    operations = [
        migrations.AddField(
            model_name="creance",
            name="solde",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=16),
        ),
        migrations.RunPython(remplir, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="creance",
            constraint=models.CheckConstraint(
                condition=models.Q(("solde__lte", models.F("montant"))), name="creance_solde_au_plus_montant"
            ),
        ),
    ]
