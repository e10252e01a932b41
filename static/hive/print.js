// Print the page: a button (or link) with data-print opens the browser's print dialog.
// A static file, since the Content-Security-Policy allows no inline script or onclick.
document.addEventListener("click", function (event) {
  var trigger = event.target.closest("[data-print]");
  if (trigger) {
    event.preventDefault();
    window.print();
  }
});
