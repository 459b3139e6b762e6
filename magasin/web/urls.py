from django.urls import path

from magasin.web.views import (
    articles,
    auth,
    caisse,
    facturation,
    inventaires,
    marges,
    personnes,
    quarantaine,
    rapports,
    receptions,
    stock,
    tableau,
    terminaux,
    transferts,
    ventes,
)

app_name = "web"

urlpatterns = [
    path("", tableau.tableau_de_bord, name="tableau_de_bord"),
    path("favicon.ico", auth.favicon, name="favicon"),
    path("connexion/", auth.Connexion.as_view(), name="connexion"),
    path("deconnexion/", auth.Deconnexion.as_view(), name="deconnexion"),
    # Historique des ventes (?format=csv|xlsx exports the filtered list)
    path("ventes/", ventes.historique, name="historique"),
    path("ventes/<int:pk>/", ventes.vente_detail, name="vente_detail"),
    path("ventes/<int:pk>/annuler/", ventes.vente_annulation, name="vente_annuler"),
    path("ventes/<int:pk>/retour/", ventes.vente_retour, name="vente_retour"),
    path("ventes/<int:pk>/facture/", ventes.facture, name="facture"),
    path("ventes/<int:pk>/facture.pdf", ventes.facture_telecharger, name="facture_pdf"),
    # Rapports (?format=csv|xlsx exports the report shown)
    path("rapports/", rapports.rapports, name="rapports"),
    path("marges/", marges.marges, name="marges"),
    # Caisse: rates, cash movements, closings, receivables (magasin.caisse)
    path("caisse/", caisse.caisse_accueil, name="caisse"),
    path("caisse/taux/", caisse.taux, name="caisse_taux"),
    path("caisse/mouvements/", caisse.mouvements, name="caisse_mouvements"),
    path("caisse/cloturer/", caisse.cloture_nouvelle, name="caisse_cloturer"),
    path("caisse/clotures/<int:pk>/", caisse.cloture_detail, name="caisse_cloture"),
    path("caisse/clotures/<int:pk>/imprimer/", caisse.cloture_imprimer, name="caisse_cloture_imprimer"),
    path("caisse/clotures/<int:pk>/vu/", caisse.cloture_prise_en_compte, name="caisse_cloture_vu"),
    path("caisse/creances/", caisse.creances, name="caisse_creances"),
    path("caisse/clients/<int:pk>/", caisse.client_detail, name="caisse_client"),
    path("caisse/ventes/<int:pk>/encaisser/", caisse.vente_encaissement, name="caisse_encaisser"),
    # Facturation
    path("facturation/", facturation.facturation, name="facturation"),
    path("facturation/articles/", facturation.facturation_articles, name="facturation_articles"),
    path("facturation/ligne/", facturation.facturation_ligne, name="facturation_ligne"),
    # Articles
    path("articles/", articles.articles, name="articles"),
    path("articles/nouveau/", articles.article_nouveau, name="article_nouveau"),
    path("articles/import/", articles.article_import, name="article_import"),
    path("articles/export/", articles.articles_export, name="articles_export"),
    path("articles/<int:pk>/", articles.article_detail, name="article_detail"),
    path("articles/<int:pk>/modifier/", articles.article_modification, name="article_modifier"),
    # Stock
    path("stock/", stock.mouvements, name="mouvements"),
    path("stock/livraison/", stock.entree, name="stock_entree"),
    path("stock/perte/", stock.sortie, name="stock_sortie"),
    path("stock/inventaire/", stock.inventaire, name="stock_inventaire"),
    path("stock/inventaires/", inventaires.inventaires, name="inventaires"),
    path("stock/inventaires/nouveau/", inventaires.inventaire_nouveau, name="inventaire_nouveau"),
    path("stock/inventaires/<int:pk>/", inventaires.inventaire, name="inventaire"),
    path("stock/inventaires/<int:pk>/compter/", inventaires.inventaire_comptage, name="inventaire_compter"),
    path(
        "stock/inventaires/<int:pk>/<str:action>/",
        inventaires.inventaire_cloture,
        name="inventaire_cloture",
    ),
    # Receptions from suppliers and transfers between shops
    path("stock/receptions/", receptions.receptions, name="receptions"),
    path("stock/receptions/nouvelle/", receptions.reception_nouvelle, name="reception_nouvelle"),
    path("stock/receptions/<int:pk>/", receptions.reception, name="reception"),
    path("stock/transferts/", transferts.transferts, name="transferts"),
    path("stock/transferts/nouveau/", transferts.transfert_nouveau, name="transfert_nouveau"),
    path("stock/transferts/<int:pk>/", transferts.transfert, name="transfert"),
    path("stock/transferts/<int:pk>/recevoir/", transferts.transfert_reception, name="transfert_recevoir"),
    # Quarantaine
    path("quarantaine/", quarantaine.quarantaine, name="quarantaine"),
    path("quarantaine/<int:pk>/", quarantaine.quarantaine_detail, name="quarantaine_detail"),
    path("quarantaine/<int:pk>/rejouer/", quarantaine.rejeu, name="quarantaine_rejouer"),
    path("quarantaine/<int:pk>/ecarter/", quarantaine.ecart, name="quarantaine_ecarter"),
    path("quarantaine/<int:pk>/corriger/", quarantaine.correction, name="quarantaine_corriger"),
    path("quarantaine/<int:pk>/corriger-lignes/", quarantaine.correction_lignes, name="quarantaine_corriger_lignes"),
    # Terminaux
    path("terminaux/", terminaux.terminaux, name="terminaux"),
    path("terminaux/nouveau/", terminaux.terminal_nouveau, name="terminal_nouveau"),
    path("terminaux/<int:pk>/jeton/", terminaux.terminal_jeton, name="terminal_jeton"),
    path("terminaux/<int:pk>/deplacer/", terminaux.terminal_deplacement, name="terminal_deplacer"),
    path(
        "terminaux/<int:pk>/<str:action>/",
        terminaux.terminal_action,
        name="terminal_action",
    ),
    # Personnes
    path("personnes/", personnes.personnes, name="personnes"),
    path("personnes/nouvelle/", personnes.personne_nouvelle, name="personne_nouvelle"),
    path("personnes/<int:pk>/", personnes.personne_detail, name="personne_detail"),
    path("personnes/<int:pk>/role/", personnes.personne_role, name="personne_role"),
    path("personnes/<int:pk>/mot-de-passe/", personnes.personne_mot_de_passe, name="personne_mot_de_passe"),
    path("personnes/<int:pk>/activation/", personnes.personne_activation, name="personne_activation"),
]
