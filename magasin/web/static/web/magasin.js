// Back-office behaviours that used to be inline handlers (the Content-Security-Policy forbids
// onclick/onsubmit attributes): a confirmation before some forms, the print button.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var message = e.target.getAttribute && e.target.getAttribute("data-confirmer");
    if (message && !window.confirm(message)) e.preventDefault();
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-imprimer]")) window.print();
  });
})();
