// Relative times drawn in the reader's browser, so pages can be stored and shared without going stale.
// The server prints <time datetime="…Z" title="full date" data-relative>2 Dec 2026, 05:20</time>; this
// redraws it as "3 hours ago" or "in 1 hour" and again every minute (data-relative="with-date" keeps the
// date and adds the time left: "2 Dec 2026, 05:20 UTC (in 1 hour)"). Without Intl.RelativeTimeFormat the
// dates stay as printed.
(function () {
  "use strict";
  if (!window.Intl || typeof Intl.RelativeTimeFormat !== "function") { return; }

  var SELECTOR = "time[datetime][data-relative]";
  // Largest first, with Babel's threshold (0.85), so the browser says what the server's Babel would:
  // 55 minutes reads "1 hour", 21 hours "1 day".
  var UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600],
               ["minute", 60]];
  var THRESHOLD = 0.85;
  var language = document.documentElement.lang || undefined;
  var counted = new Intl.RelativeTimeFormat(language, { numeric: "always" });
  var spoken = new Intl.RelativeTimeFormat(language, { numeric: "auto" });

  function phrase(secondsAhead) {
    var size = Math.abs(secondsAhead);
    for (var i = 0; i < UNITS.length; i++) {
      var value = size / UNITS[i][1];
      if (value >= THRESHOLD) {
        var whole = Math.max(1, Math.round(value));
        return counted.format(secondsAhead < 0 ? -whole : whole, UNITS[i][0]);
      }
    }
    // Under a minute: what has passed is "now"; what is still ahead is never "now" ("in 1 minute").
    return secondsAhead > 0 ? counted.format(1, "minute") : spoken.format(0, "second");
  }

  function draw(element, now) {
    var when = Date.parse(element.getAttribute("datetime"));
    if (isNaN(when)) { return; }
    if (element.dataset.date === undefined) { element.dataset.date = element.textContent; }
    var relative = phrase((when - now) / 1000);
    element.textContent = element.dataset.relative === "with-date"
      ? element.dataset.date + " (" + relative + ")" : relative;
  }

  function drawAll(root) {
    var now = Date.now();
    var scope = root || document;
    if (scope.matches && scope.matches(SELECTOR)) { draw(scope, now); }
    var elements = scope.querySelectorAll ? scope.querySelectorAll(SELECTOR) : [];
    for (var i = 0; i < elements.length; i++) { draw(elements[i], now); }
  }

  drawAll();
  window.setInterval(function () { drawAll(); }, 60000);
  // A tab left in the background catches up as soon as it is looked at again.
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { drawAll(); }
  });
  // Replies and messages added live (live.js, chat.js) are drawn as they arrive, not a minute later.
  if (window.MutationObserver) {
    new MutationObserver(function (mutations) {
      for (var i = 0; i < mutations.length; i++) {
        var added = mutations[i].addedNodes;
        for (var j = 0; j < added.length; j++) {
          if (added[j].nodeType === 1) { drawAll(added[j]); }
        }
      }
    }).observe(document.body, { childList: true, subtree: true });
  }
}());
