// Invoice form: live totals, line removal, barcode Enter, one submission only.
(function () {
  "use strict";
  var form = document.getElementById("form-facture");
  if (!form) return;
  var tbody = form.querySelector("#lignes tbody");
  var recherche = document.getElementById("recherche");
  var ajouterPremier = false;

  function montant(n) {
    // CDF in whole francs, as the server shows it (magasin.core.formats.montant_affiche).
    var entier = Math.round(n);
    var groupes = Math.abs(entier).toFixed(0).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
    return (entier < 0 ? "-" : "") + groupes + " CDF";
  }
  function nombre(texte) {
    var v = parseFloat(String(texte).replace(/[\s\u202f]/g, "").replace(",", "."));
    return isNaN(v) ? 0 : v;
  }
  function recalculer() {
    var total = 0;
    tbody.querySelectorAll("tr.ligne").forEach(function (tr) {
      var t = nombre(tr.querySelector(".quantite").value) * nombre(tr.querySelector(".prix").value);
      tr.querySelector(".total-ligne").textContent = montant(t);
      total += t;
    });
    document.getElementById("total").textContent = montant(total);
  }
  form.addEventListener("input", function (e) {
    if (e.target.classList.contains("quantite") || e.target.classList.contains("prix")) recalculer();
  });
  form.addEventListener("click", function (e) {
    if (e.target.classList.contains("retirer")) {
      e.target.closest("tr").remove();
      recalculer();
    }
  });
  document.getElementById("id_boutique").addEventListener("change", function () {
    tbody.innerHTML = "";
    document.getElementById("resultats").innerHTML = "";
    recalculer();
  });
  recherche.addEventListener("keydown", function (e) {
    if (e.key === "Enter") {
      e.preventDefault();
      ajouterPremier = true;
      htmx.trigger(recherche, "chercher");
    }
  });
  // After settle, the new buttons' hx-get attributes are live.
  document.body.addEventListener("htmx:afterSettle", function (e) {
    if (e.detail.target.id === "resultats" && ajouterPremier) {
      ajouterPremier = false;
      var premier = e.detail.target.querySelector("button.ajouter");
      if (premier) premier.click();
    }
  });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target === tbody) {
      recherche.value = "";
      document.getElementById("resultats").innerHTML = "";
      recalculer();
      recherche.focus();
    }
  });
  var envoye = false;
  form.addEventListener("submit", function (e) {
    if (envoye) { e.preventDefault(); return; }
    envoye = true;
    document.getElementById("enregistrer").disabled = true;
  });
  recalculer();
})();
