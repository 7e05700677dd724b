// Invitation links: a Copy button beside each link (the links stay selectable without JavaScript).
(function () {
  "use strict";
  document.querySelectorAll(".invite-links .copy-button").forEach(function (button) {
    var input = button.parentElement.querySelector(".copy-link");
    if (!input || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = "Copied";
      }, function () {
        input.select();
        button.textContent = "Press Ctrl+C";
      });
    });
  });
  document.querySelectorAll(".copy-link").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
})();
