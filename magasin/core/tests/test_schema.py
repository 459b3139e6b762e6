"""Every shop-owned table keeps boutique_id on its rows (docs/SCALE.md: distribution by shop)."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from magasin.boutiques.models import Boutique

# Tables not owned by a shop: the shop itself (the distribution key's source), what describes
# a terminal's app whichever shop the terminal serves, and the read-only archive of the old
# system's import, kept under the old ids (Citus reference tables).
NON_POSSEDES = {
    "boutiques.Boutique",
    "boutiques.ChampInconnu",
    "reprise.ImportAncien",
    "reprise.MouvementAncien",
    "reprise.RejetImport",
}
# Owned by two shops at once: a transfer carries boutique_source_id and boutique_destination_id,
# each tied by a composite key to its articles (docs/SCALE.md: two single-shop steps under Citus).
DEUX_BOUTIQUES = {"stock.Transfert", "stock.LigneTransfert"}
# Nullable on purpose, each for a stated reason (see docs/SCALE.md).
BOUTIQUE_FACULTATIVE = {
    "boutiques.Terminal": "a device may be registered before it is given to a shop",
    "boutiques.TentativeTerminalRefusee": "records calls from terminals without a shop too",
}


def _modeles_magasin() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("magasin.")]


def test_chaque_modele_possede_par_une_boutique_porte_boutique_id():
    modeles = _modeles_magasin()
    assert len(modeles) >= 10  # the check really walks our models
    for modele in modeles:
        nom = modele._meta.label
        if nom in NON_POSSEDES:
            continue
        if nom in DEUX_BOUTIQUES:
            for cote in ("boutique_source", "boutique_destination"):
                champ = modele._meta.get_field(cote)
                assert isinstance(champ, models.ForeignKey) and champ.related_model is Boutique, nom
                assert not champ.null, f"{nom}.{cote}_id doit être NOT NULL"
            continue
        champ = next((f for f in modele._meta.fields if f.name == "boutique"), None)
        assert champ is not None, f"{nom} n'a pas de boutique_id"
        assert isinstance(champ, models.ForeignKey) and champ.related_model is Boutique, nom
        assert champ.column == "boutique_id", nom
        if nom not in BOUTIQUE_FACULTATIVE:
            assert not champ.null, f"{nom}.boutique_id doit être NOT NULL"


def test_les_exceptions_listees_existent_encore():
    noms = {m._meta.label for m in _modeles_magasin()}
    assert noms >= NON_POSSEDES
    assert set(BOUTIQUE_FACULTATIVE) <= noms
