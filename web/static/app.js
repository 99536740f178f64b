// annals web app: small conveniences on top of pages that work without
// script. Nothing here is needed to search, read, compare or export.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Filters and diff choices apply as soon as they change.
  document.querySelectorAll("#search-form select, #search-form input[type=date], .diff-form select").forEach(function (el) {
    el.addEventListener("change", function () { el.form.requestSubmit(); });
  });
  // "/" focuses the search box, as on many search sites.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
    var q = document.getElementById("q") || document.querySelector(".topsearch input");
    if (q) { e.preventDefault(); q.focus(); q.select(); }
  });
});
