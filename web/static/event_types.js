// Event types: "Copy link" buttons for booking page addresses. Without this script
// (or without the clipboard API) the buttons stay hidden and the link is plain text
// to select. The result is announced through the page's aria-live status.
(function () {
  "use strict";
  var status = document.querySelector("[data-copy-status]");
  if (!status || !navigator.clipboard) return;
  var timer = null;
  function say(text) {
    status.textContent = text;
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { status.textContent = ""; }, 4000);
  }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var link = button.getAttribute("data-copy");
      navigator.clipboard.writeText(link).then(
        function () { say("Copied " + link); },
        function () { say("Could not copy; select the link and copy it."); }
      );
    });
  });
})();
