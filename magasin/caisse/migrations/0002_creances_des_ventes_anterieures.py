"""Receivables used to be written when a credit page was read; they are now written with their
sale (`caisse.services.creances_ouvrir`). This puts on their customers' accounts the credit sales
recorded before, that no page had read yet, by the same rule (`client_cle`, Kinshasa day)."""

from django.db import migrations
from django.db.models import Q
from django.utils import timezone

from magasin.caisse.selectors import client_cle

PAQUET = 1000


def rattacher(apps, schema_editor):
    Vente = apps.get_model("ventes", "Vente")
    Client = apps.get_model("caisse", "Client")
    Creance = apps.get_model("caisse", "Creance")
    sans_creance = (
        Vente.objects.filter(statut="VALIDEE")
        .filter(Q(paye=False) | Q(mode_paiement="CREDIT"))
        .exclude(pk__in=Creance.objects.values("vente_id"))
        .order_by("pk")
    )
    while ventes := list(sans_creance[:PAQUET]):
        maintenant = timezone.now()
        cles = {v.pk: (v.boutique_id, client_cle(nom=v.client_nom, telephone=v.client_telephone)) for v in ventes}
        Client.objects.bulk_create(
            [
                Client(
                    boutique_id=v.boutique_id,
                    cle=cles[v.pk][1],
                    nom=v.client_nom.strip()[:150],
                    telephone=v.client_telephone.strip()[:40],
                    cree_le=maintenant,
                )
                for v in ventes
            ],
            ignore_conflicts=True,
        )
        clients = {
            (b, c): pk
            for b, c, pk in Client.objects.filter(cle__in={c for _, c in cles.values()}).values_list(
                "boutique_id", "cle", "pk"
            )
        }
        Creance.objects.bulk_create(
            [
                Creance(
                    vente_id=v.pk,
                    boutique_id=v.boutique_id,
                    client_id=clients[cles[v.pk]],
                    jour=timezone.localdate(v.date_vente),
                    montant=v.montant_total,
                    cree_le=maintenant,
                )
                for v in ventes
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("caisse", "0001_initial")]

    operations = [migrations.RunPython(rattacher, migrations.RunPython.noop)]
