"""Load the demo shops, terminals, articles and users. Safe to run again: nothing is duplicated."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from magasin.boutiques.models import Boutique, PolitiqueStock, Role, Terminal
from magasin.boutiques.services import membre_definir, terminal_creer, terminal_rotation_jeton
from magasin.stock.models import Article
from magasin.stock.services import article_creer

# Demo only: a fixed token, so the printed curl keeps working after a second `make run`.
JETON_DEMO_CAISSE_2 = "mgs_demo-caisse-2-jeton-de-demonstration"

# (code, nom, prix CDF, stock initial, seuil d'alerte)
CATALOGUE: list[tuple[str, str, str, int, int]] = [
    ("ALI-001", "Farine de maïs (Kawunga) 5 kg", "12500", 120, 10),
    ("ALI-002", "Riz parfumé 5 kg", "25000", 80, 10),
    ("ALI-003", "Sucre Kwilu 1 kg", "4500", 150, 20),
    ("ALI-004", "Huile de palme 1 L", "5000", 60, 10),
    ("ALI-005", "Lait en poudre Nido 400 g", "14000", 40, 5),
    ("ALI-006", "Sardines à l'huile 125 g", "3500", 200, 24),
    ("ALI-007", "Concentré de tomate 70 g", "1200", 180, 24),
    ("ALI-008", "Chikwangue", "1000", 0, 10),
    ("BOI-001", "Bière Primus 72 cl", "3000", 96, 24),
    ("BOI-002", "Bière Simba 72 cl", "3000", 4, 12),
    ("BOI-003", "Eau minérale 1,5 L", "1500", 150, 24),
    ("BOI-004", "Fanta orange 33 cl", "1500", 72, 24),
    ("HYG-001", "Savon Monganga", "1500", 100, 12),
    ("HYG-002", "Pâte dentifrice 100 ml", "3500", 35, 6),
    ("DIV-001", "Bougies (paquet de 6)", "2500", 25, 5),
]


class Command(BaseCommand):
    help = "Charge les données de démonstration (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            resume = self._charger()
        self.stdout.write(resume)

    def _boutique(self, code: str, nom: str, adresse: str) -> Boutique:
        boutique, _ = Boutique.objects.get_or_create(
            code=code,
            defaults={"nom": nom, "adresse": adresse, "devise": "CDF", "politique_stock": PolitiqueStock.REFUSER},
        )
        return boutique

    def _terminal(self, serie: str, nom: str, boutique: Boutique, *, serie_seule: bool) -> Terminal:
        terminal = Terminal.objects.filter(numero_serie=serie).first()
        if terminal is None:
            terminal, _ = terminal_creer(
                numero_serie=serie, nom_terminal=nom, boutique=boutique, serie_seule=serie_seule
            )
        return terminal

    def _articles(self, boutique: Boutique, decalage: int) -> None:
        for code, nom, prix, stock, seuil in CATALOGUE:
            if Article.objects.filter(boutique=boutique, code=code).exists():
                continue
            # Same catalogue, different shelves: vary stocks a little between shops (zeros stay zero).
            stock_boutique = stock if stock == 0 or stock < seuil else max(20, min(200, stock + decalage))
            article_creer(
                boutique=boutique,
                code=code,
                nom=nom,
                prix_vente=Decimal(prix),
                stock_initial=stock_boutique,
                seuil_alerte=seuil,
                utilisateur="demo",
            )

    def _utilisateur(self, username: str, password: str, *, superuser: bool = False) -> Any:
        Utilisateur = get_user_model()
        utilisateur = Utilisateur.objects.filter(username=username).first()
        if utilisateur is None:
            if superuser:
                utilisateur = Utilisateur.objects.create_superuser(username=username, email="", password=password)
            else:
                utilisateur = Utilisateur.objects.create_user(username=username, password=password)
        return utilisateur

    def _charger(self) -> str:
        principale = self._boutique("BTQ-009", "Ma Boutique", "Avenue du Commerce 12, Gombe, Kinshasa")
        gombe = self._boutique("BTQ-011", "Boutique Gombe", "Boulevard du 30 Juin 45, Gombe, Kinshasa")
        self._terminal("0a1badae951f8473", "Terminal MAUI", principale, serie_seule=True)
        caisse2 = self._terminal("demo-caisse-2", "Caisse 2", principale, serie_seule=False)
        terminal_rotation_jeton(terminal=caisse2, jeton=JETON_DEMO_CAISSE_2)
        self._terminal("demo-gombe-1", "Caisse Gombe", gombe, serie_seule=True)
        self._articles(principale, 0)
        self._articles(gombe, -10)
        self._utilisateur("admin", "admin", superuser=True)
        for username, boutique in (("gerant-btq009", principale), ("gerant-btq011", gombe)):
            membre_definir(utilisateur=self._utilisateur(username, "gerant"), boutique=boutique, role=Role.GERANT)
        article = Article.objects.filter(boutique=principale, code="ALI-003").get()
        return (
            "Données de démonstration prêtes.\n"
            "  Admin           : http://127.0.0.1:8000/admin/  (admin / admin — démo uniquement)\n"
            "  Back-office     : http://127.0.0.1:8000/  (gerant-btq009 / gerant, gerant-btq011 / gerant)\n"
            "  Terminaux       : 0a1badae951f8473 (Ma Boutique, série seule), demo-gombe-1 (Boutique Gombe, "
            "série seule)\n"
            f"                    demo-caisse-2 (Ma Boutique) — jeton : {JETON_DEMO_CAISSE_2}\n"
            "  Documentation API : http://127.0.0.1:8000/api/docs\n"
            "  Synchroniser une vente :\n"
            "    curl -X POST http://127.0.0.1:8000/api/v2/simple/ventes/sync \\\n"
            "      -H 'Content-Type: application/json' -H 'X-Device-Serial: 0a1badae951f8473' \\\n"
            f'      -d \'[{{"numero_facture": "FAC-DEMO-001", "lignes": [{{"article_id": {article.pk}, '
            f'"quantite": 2, "prix_unitaire": 4500}}]}}]\'\n'
            f"  (renvoyez-la : « already_exists », le stock de l'article {article.pk} ne bouge pas deux fois)"
        )
