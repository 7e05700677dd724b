// Feature requests: similar threads while composing, and voting without a page reload.
(function () {
  "use strict";

  var DEBOUNCE_MS = 400;
  var BODY_SENT = 500; // enough of the draft to compare, short enough for a query string

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, wait);
    };
  }

  function similarItem(thread) {
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = thread.url;
    link.textContent = thread.title;
    item.appendChild(link);
    var facts = [];
    if (thread.is_feature_request) {
      facts.push(thread.votes + (thread.votes === 1 ? " vote" : " votes"));
      if (thread.status) { facts.push(thread.status); }
    } else {
      facts.push(thread.replies + (thread.replies === 1 ? " reply" : " replies"));
    }
    facts.push(thread.category);
    var meta = document.createElement("span");
    meta.className = "muted";
    meta.textContent = " · " + facts.join(" · ");
    item.appendChild(meta);
    return item;
  }

  function setUpSimilar(box) {
    var form = box.closest("form");
    if (!form) { return; }
    var title = form.querySelector('[name="title"]');
    var body = form.querySelector('[name="body"]');
    var list = box.querySelector("[data-similar-list]");
    var controller = null;
    var lastQuery = "";

    function show(threads) {
      list.replaceChildren.apply(list, threads.map(similarItem));
      box.hidden = threads.length === 0;
    }

    function look() {
      var titleText = title ? title.value.trim() : "";
      var bodyText = body ? body.value.trim().slice(0, BODY_SENT) : "";
      if (titleText.length < 5 && bodyText.length < 20) { show([]); return; }
      var query = new URLSearchParams({ title: titleText, body: bodyText }).toString();
      if (query === lastQuery) { return; }
      lastQuery = query;
      if (controller) { controller.abort(); }
      controller = new AbortController();
      fetch(box.getAttribute("data-url") + "?" + query, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller.signal
      }).then(function (response) {
        return response.ok ? response.json() : { threads: [] };
      }).then(function (data) {
        show(data.threads || []);
      }).catch(function (error) {
        if (error.name !== "AbortError") { show([]); }
      });
    }

    var later = debounce(look, DEBOUNCE_MS);
    if (title) { title.addEventListener("input", later); }
    if (body) { body.addEventListener("input", later); }
    look();
  }

  function setUpVote(form) {
    var button = form.querySelector("[data-vote-button]");
    var label = form.querySelector("[data-vote-label]");
    var panel = form.closest(".request-panel");
    var total = panel ? panel.querySelector("[data-vote-total]") : null;

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (result) {
        button.disabled = false;
        if (!result.ok) {
          if (total) { total.textContent = result.data.error || "Your vote could not be recorded."; }
          return;
        }
        button.setAttribute("aria-pressed", result.data.voted ? "true" : "false");
        label.textContent = result.data.voted ? "Voted" : "Vote";
        if (total) {
          total.textContent = result.data.votes + (result.data.votes === 1 ? " vote" : " votes");
        }
      }).catch(function () {
        // Without a usable answer, let the browser post the form the ordinary way.
        button.disabled = false;
        form.submit();
      });
    });
  }

  document.querySelectorAll("[data-similar-threads]").forEach(setUpSimilar);
  document.querySelectorAll("[data-vote-form]").forEach(setUpVote);
})();
