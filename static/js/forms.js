// Progressive enhancement: after a failed submit, move the keyboard focus to the error summary (the first one on the
// page), so that screen readers announce it and Tab leads from it to the fields. Without JavaScript the summary is
// still the first thing in the form's part of the page.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector(".error-summary");
  if (summary && document.activeElement !== summary) summary.focus();
});
