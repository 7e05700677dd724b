// The floor, live: when items join or leave the chime-in queue, say so above it, with a link to refresh.
// Listens on live.js's /live connection; the server sends only the section and the kind of change.
(function () {
  "use strict";

  var WORDS = { "new": "new", handled: "handled", changed: "changed" };

  function start() {
    var socket = window.tummlerLive;
    var banner = document.querySelector("[data-floor-live]");
    if (!socket || !banner) { return; }
    var text = banner.querySelector("[data-floor-live-text]");
    var counts = { "new": 0, handled: 0, changed: 0 };
    var title = document.title;

    function watch() { socket.emit("watch_floor", {}); }
    socket.on("connect", watch);  // again after every reconnect: rooms do not survive one
    socket.on("floor_reset", watch);  // the room was emptied after a role change: staff get back in
    if (socket.connected) { watch(); }

    socket.on("floor_changed", function (data) {
      if (!data || !Object.prototype.hasOwnProperty.call(counts, data.change)) { return; }
      counts[data.change] += 1;
      var parts = [];
      Object.keys(counts).forEach(function (kind) {
        if (counts[kind]) { parts.push(counts[kind] + " " + WORDS[kind]); }
      });
      text.textContent = "The floor changed since you opened it: " + parts.join(", ") + ".";
      banner.hidden = false;
      if (counts["new"]) { document.title = "(" + counts["new"] + " new) " + title; }
    });
  }

  // Deferred scripts run in document order, all before DOMContentLoaded; live.js may come after this one.
  if (window.tummlerLive) {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
