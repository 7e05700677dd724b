// No hard sell, in the composer: before staff send a post, a reply, an edit or a chat message, show selling
// phrases highlighted and warn about staff-heavy threads, with "Edit" and "Send anyway" (the server logs the
// override). Loaded for staff only; without JavaScript the server still refuses selling language and offers
// the same choice on the form.
(function () {
  "use strict";

  var script = document.currentScript;
  var checkUrl = script ? script.getAttribute("data-check-url") : "";
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = tokenMeta ? tokenMeta.getAttribute("content") : "";
  if (!checkUrl || !document.body.hasAttribute("data-user-id")) { return; }

  function threadIdOf(form) {
    var holder = form.closest("[data-thread-id]");
    return holder ? holder.getAttribute("data-thread-id") : "";
  }

  // What the server will look at: the title too on thread forms, and for an edit only what it adds.
  function check(form, body) {
    var title = form.querySelector('input[name="title"]');
    return fetch(checkUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify({ thread_id: threadIdOf(form), post_id: form.getAttribute("data-post-id") || "",
                             title: title ? title.value : "", body: body })
    }).then(function (response) {
      if (!response.ok) { throw new Error("check failed (" + response.status + ")"); }
      return response.json();
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  // Offsets from the server count Unicode code points; Array.from splits the same way (not UTF-16 units).
  function highlighted(text, spans) {
    var chars = Array.from(text);
    var box = element("div", "hosting-check-text");
    var at = 0;
    spans.forEach(function (span) {
      var start = Math.max(span[0], at);
      var end = Math.min(span[1], chars.length);
      if (end <= start) { return; }
      box.appendChild(document.createTextNode(chars.slice(at, start).join("")));
      box.appendChild(element("mark", "", chars.slice(start, end).join("")));
      at = end;
    });
    box.appendChild(document.createTextNode(chars.slice(at).join("")));
    return box;
  }

  // The form's own child that holds the submit button: the panel goes just above it. The button often sits
  // in a wrapper (.form-actions), and insertBefore needs a direct child of the form.
  function actionsRow(form) {
    var node = form.querySelector('button[type="submit"]');
    while (node && node.parentNode !== form) { node = node.parentNode; }
    return node;
  }

  // After a refused post the page already has a "Send anyway" checkbox; tick it rather than add another.
  function setOverride(form) {
    var input = form.querySelector('input[name="override"]');
    if (input && input.type === "checkbox") {
      input.checked = true;
      return;
    }
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = "override";
      input.setAttribute("data-hosting-override", "");
      form.appendChild(input);
    }
    input.value = "1";
  }

  // A chat composer stays on the page: the next message must not carry this one's "Send anyway".
  function clearOverride(form) {
    var input = form.querySelector('input[name="override"]');
    if (!input) { return; }
    if (input.hasAttribute("data-hosting-override")) {
      input.remove();
    } else if (input.type === "checkbox") {
      input.checked = false;
    }
  }

  function setUp(form) {
    var textarea = form.querySelector('textarea[name="body"]');
    if (!textarea) { return; }
    // A chat composer sends through chat.js over the socket; a forum composer posts the form.
    var chat = form.hasAttribute("data-chat-composer");
    var panel = element("div", "hosting-check");
    panel.hidden = true;
    panel.setAttribute("role", "alert");
    panel.tabIndex = -1;
    form.insertBefore(panel, actionsRow(form));

    // The page may already show the warning (templates/hosting/_composer_staff.html); reuse it.
    var notice = form.querySelector("[data-hosting-spotlight]");
    if (!notice) {
      notice = element("p", "hosting-spotlight");
      notice.hidden = true;
      form.insertBefore(notice, form.firstChild);
    }
    var sending = false;

    function send() {
      sending = true;
      if (!chat) {
        form.submit();  // submit() skips the submit event, so the check does not run again
        return;
      }
      // chat.js handles this submit event (or, with the socket down, the browser posts the form); both read
      // the override while the event runs, so it can be cleared as soon as requestSubmit returns.
      try {
        form.requestSubmit();
      } finally {
        sending = false;
        clearOverride(form);
      }
    }

    function showSpotlight(result) {
      notice.hidden = !result.spotlight;
      notice.textContent = result.spotlight ? result.spotlight.message : "";
    }

    function showPanel(body, result) {
      var promo = result.promo;
      var selling = promo.findings.length || promo.title_findings.length;
      var title = form.querySelector('input[name="title"]');
      panel.textContent = "";
      panel.appendChild(element("h3", "", selling ? "This reads as selling" : "Staff-heavy thread"));
      if (result.spotlight) { panel.appendChild(element("p", "", result.spotlight.message)); }
      if (selling) {
        panel.appendChild(element("p", "", "Found: " + promo.summary));
        if (promo.title_findings.length && title) {
          panel.appendChild(element("p", "", "In the title:"));
          panel.appendChild(highlighted(title.value, promo.title_highlights));
        }
        if (promo.findings.length) { panel.appendChild(highlighted(body, promo.highlights)); }
        panel.appendChild(element("p", "", promo.reminder));
      }
      var actions = element("div", "hosting-check-actions");
      var edit = element("button", "button primary", "Edit");
      edit.type = "button";
      var anyway = element("button", "button", "Send anyway (logged)");
      anyway.type = "button";
      actions.appendChild(edit);
      actions.appendChild(anyway);
      panel.appendChild(actions);
      panel.hidden = false;
      panel.focus();

      edit.addEventListener("click", function () {
        panel.hidden = true;
        textarea.focus();
      });
      anyway.addEventListener("click", function () {
        panel.hidden = true;
        setOverride(form);
        send();
      });
    }

    // Capture phase on the form itself: runs before chat.js's own submit listener, which it holds back
    // until the check has answered.
    form.addEventListener("submit", function (event) {
      if (sending) { return; }
      event.preventDefault();
      event.stopImmediatePropagation();
      var body = textarea.value;
      if (chat && !body.trim()) {
        send();  // nothing to check: chat.js says what is missing
        return;
      }
      var submitButton = form.querySelector('button[type="submit"]');
      if (submitButton) { submitButton.disabled = true; }
      panel.hidden = true;
      check(form, body).then(function (result) {
        if (submitButton) { submitButton.disabled = false; }
        showSpotlight(result);
        if (result.ok) {
          send();
          return;
        }
        showPanel(body, result);
      }).catch(function () {
        // The check is a courtesy; the server still refuses selling language without the override.
        if (submitButton) { submitButton.disabled = false; }
        send();
      });
    }, true);

    // Warn about a staff-heavy thread as soon as the composer is there, before anything is typed.
    if (threadIdOf(form)) {
      check(form, "").then(showSpotlight).catch(function () {});
    }
  }

  document.querySelectorAll("form.composer, form[data-chat-composer]").forEach(setUp);
})();
