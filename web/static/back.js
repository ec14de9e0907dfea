// "Go back" on error pages: a script file, because the Content-Security-Policy refuses
// javascript: URLs. Without history (a link opened in a new tab) the link leads home.
document.querySelectorAll("a[data-back]").forEach((link) => {
  if (window.history.length > 1) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      window.history.back();
    });
  }
});
