"""The COPY floor writes whole rows as the models define them, so `make bench` follows the schema."""

from __future__ import annotations

import pytest
from django.db import connection

from bench.commun import peupler
from bench.limite import Gabarit, copier_ventes
from magasin.boutiques.models import Terminal
from magasin.stock.models import Article, MouvementStock
from magasin.stock.tests.invariants import verifier_registre
from magasin.ventes.models import LigneVente, OrigineVente, Vente


@pytest.mark.django_db
def test_une_rangee_prend_les_valeurs_par_defaut_du_modele() -> None:
    gabarit = Gabarit(Vente, avec_id=True)
    rangee = gabarit.rangee("id", "numero_facture")(7, "F-7")
    colonnes = [f.column for f in Vente._meta.concrete_fields]
    assert gabarit.colonnes == ", ".join(connection.ops.quote_name(c) for c in colonnes)
    valeurs = dict(zip(colonnes, rangee, strict=True))
    assert valeurs["id"] == 7 and valeurs["numero_facture"] == "F-7"
    assert valeurs["origine"] == OrigineVente.TERMINAL  # a default the row did not give
    # Without the id, the sequence numbers the rows.
    assert "id" not in Gabarit(LigneVente).colonnes.replace('"', "").replace("`", "").split(", ")


@pytest.mark.django_db(transaction=True)
def test_copy_ecrit_des_ventes_entieres_et_un_registre_juste() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("COPY: PostgreSQL only")
    (terminal,) = peupler(prefixe="LIMT", boutiques=1, terminaux=1, articles_par_boutique=10)
    r = connection.settings_dict
    url = f"postgresql://{r['USER']}:{r['PASSWORD']}@{r['HOST']}:{r['PORT'] or 5432}/{r['NAME']}"
    terminal_id = Terminal.objects.get(numero_serie=terminal.serie).pk
    resultat = copier_ventes(
        url, boutique_id=terminal.boutique_id, terminal_id=terminal_id, articles=terminal.articles, ventes=40
    )
    assert resultat["ventes"] == 40
    assert Vente.objects.filter(boutique_id=terminal.boutique_id).count() == 40
    assert LigneVente.objects.filter(boutique_id=terminal.boutique_id).count() == 120
    assert MouvementStock.objects.filter(boutique_id=terminal.boutique_id, type_mouvement="VENTE").count() == 120
    verifier_registre(*Article.objects.filter(boutique_id=terminal.boutique_id))
