// Ask before an irreversible submit: a form (or its submit button) with
// data-confirm="…" is sent only if the user agrees. One handler for every page, since
// the Content-Security-Policy allows no inline script.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var message =
    (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
