// No hard sell, in the composer: before staff send a post, show selling phrases highlighted and warn about
// staff-heavy threads, with "Edit" and "Send anyway" (the server logs the override). Loaded for staff only;
// without JavaScript the server still refuses selling language and offers the same choice on the form.
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

  function check(form, body) {
    return fetch(checkUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify({ thread_id: threadIdOf(form), body: body })
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
  function highlighted(body, spans) {
    var chars = Array.from(body);
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
      form.appendChild(input);
    }
    input.value = "1";
  }

  function setUp(form) {
    var textarea = form.querySelector('textarea[name="body"]');
    if (!textarea) { return; }
    var panel = element("div", "hosting-check");
    panel.hidden = true;
    panel.setAttribute("role", "alert");
    panel.tabIndex = -1;
    form.insertBefore(panel, form.querySelector('button[type="submit"]') || null);

    // The page may already show the warning (templates/hosting/_composer_staff.html); reuse it.
    var notice = form.querySelector("[data-hosting-spotlight]");
    if (!notice) {
      notice = element("p", "hosting-spotlight");
      notice.hidden = true;
      form.insertBefore(notice, form.firstChild);
    }
    var sending = false;

    function showSpotlight(result) {
      notice.hidden = !result.spotlight;
      notice.textContent = result.spotlight ? result.spotlight.message : "";
    }

    function showPanel(body, result) {
      panel.textContent = "";
      var findings = result.promo.findings;
      panel.appendChild(element("h3", "", findings.length ? "This reads as selling" : "Staff-heavy thread"));
      if (result.spotlight) { panel.appendChild(element("p", "", result.spotlight.message)); }
      if (findings.length) {
        panel.appendChild(element("p", "", "Found: " + result.promo.summary));
        panel.appendChild(highlighted(body, result.promo.highlights));
        panel.appendChild(element("p", "", result.promo.reminder));
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
        setOverride(form);
        sending = true;
        form.submit();  // submit() skips the submit event, so the check does not run again
      });
    }

    form.addEventListener("submit", function (event) {
      if (sending) { return; }
      event.preventDefault();
      var body = textarea.value;
      var submitButton = form.querySelector('button[type="submit"]');
      if (submitButton) { submitButton.disabled = true; }
      check(form, body).then(function (result) {
        if (submitButton) { submitButton.disabled = false; }
        showSpotlight(result);
        if (result.ok) {
          sending = true;
          form.submit();
          return;
        }
        showPanel(body, result);
      }).catch(function () {
        // The check is a courtesy; the server still refuses selling language without the override.
        if (submitButton) { submitButton.disabled = false; }
        sending = true;
        form.submit();
      });
    });

    // Warn about a staff-heavy thread as soon as the composer is there, before anything is typed.
    if (threadIdOf(form)) {
      check(form, "").then(showSpotlight).catch(function () {});
    }
  }

  document.querySelectorAll("form.composer").forEach(setUp);
})();
