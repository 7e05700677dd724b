// Small enhancements for every page; each form and link still works without JavaScript.
(function () {
  "use strict";

  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = tokenMeta ? tokenMeta.getAttribute("content") : "";

  function postJSON(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, "Accept": "application/json" },
      body: body
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { throw new Error(data.error || "Request failed (" + response.status + ")"); }
        return data;
      });
    });
  }

  // Phone-width menu: the section links fold behind a button (the CSS shows it only on narrow screens).
  // Without this script the button stays hidden and the links wrap, so every section is still reachable.
  var menuToggle = document.querySelector("[data-menu-toggle]");
  var menu = menuToggle && document.getElementById(menuToggle.getAttribute("aria-controls"));
  if (menu) {
    var setMenuOpen = function (open) { menuToggle.setAttribute("aria-expanded", open ? "true" : "false"); };
    menuToggle.parentNode.classList.add("has-menu");
    menuToggle.addEventListener("click", function () {
      setMenuOpen(menuToggle.getAttribute("aria-expanded") !== "true");
    });
    menu.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      setMenuOpen(false);
      menuToggle.focus();
    });
  }

  // Likes: toggle in place instead of reloading the page.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("js-like")) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    postJSON(form.action, new FormData(form)).then(function (data) {
      button.setAttribute("aria-pressed", data.liked ? "true" : "false");
      button.querySelector(".like-label").textContent = data.liked ? "Liked" : "Like";
      button.querySelector(".like-count").textContent = String(data.count);
    }).catch(function () {
      form.submit();  // fall back to the plain form, which shows a proper error page
    }).then(function () { button.disabled = false; });
  });

  var composer = document.getElementById("composer");
  var textarea = composer && composer.querySelector("textarea");
  var replyTo = composer && composer.querySelector('input[name="reply_to"]');
  var replyingTo = composer && composer.querySelector("[data-replying-to]");

  function setReplyTarget(link) {
    if (replyTo) { replyTo.value = link.getAttribute("data-post-id") || ""; }
    if (replyingTo) {
      var post = link.closest(".post");
      var author = post && post.querySelector(".post-author");
      replyingTo.textContent = "Replying to " + (author ? author.textContent : "a post") +
        " (#" + (post ? post.id.replace("post-", "") : "") + ")";
      replyingTo.hidden = false;
    }
  }

  function focusComposer() {
    composer.scrollIntoView({ block: "center" });
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.js-reply, a.js-quote");
    if (!link || !textarea) { return; }  // no composer on this page: follow the link
    event.preventDefault();
    if (link.classList.contains("js-reply")) {
      setReplyTarget(link);
      focusComposer();
      return;
    }
    fetch(link.getAttribute("data-quote-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("quote failed"); }
        return response.json();
      })
      .then(function (data) {
        var sep = textarea.value && !/\n\n$/.test(textarea.value) ? "\n\n" : "";
        textarea.value += sep + data.markdown;
        if (replyTo) { replyTo.value = String(data.reply_to); }
        var sibling = link.parentNode.querySelector("a.js-reply");
        if (sibling) { setReplyTarget(sibling); }
        focusComposer();
      })
      .catch(function () { window.location.href = link.href; });
  });
})();
