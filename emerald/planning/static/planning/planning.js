/* Housing plans: after htmx puts the new-plan form back with its errors, move focus to the error summary,
   as a full page load does (emerald.js), so screen readers hear it first. */
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function () {
    var summary = document.querySelector("#plan-new #form-errors");
    if (summary) {
      summary.focus();
    }
  });
})();
