// The console works without this script; it only asks for confirmation
// before forms marked data-confirm, and focuses the first invalid field.
document.addEventListener("submit", function (e) {
  var f = e.target;
  var q = f && f.getAttribute && f.getAttribute("data-confirm");
  if (q && !window.confirm(q)) { e.preventDefault(); }
});
document.addEventListener("DOMContentLoaded", function () {
  var bad = document.querySelector("[aria-invalid=\"true\"]");
  if (bad) { bad.focus(); }
});
