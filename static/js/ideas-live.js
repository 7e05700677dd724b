// Feature requests: the vote total on an open thread page follows everyone's votes without a reload.
// Listens on live.js's /live connection, which already watches the thread; the number comes from the server.
(function () {
  "use strict";

  function start() {
    var socket = window.tummlerLive;
    var thread = document.querySelector("[data-thread-id]");
    var total = document.querySelector(".request-panel [data-vote-total]");
    if (!socket || !thread || !total) { return; }
    var threadId = parseInt(thread.getAttribute("data-thread-id"), 10);

    socket.on("vote_count", function (data) {
      if (data.thread_id !== threadId || typeof data.votes !== "number") { return; }
      total.textContent = data.votes + (data.votes === 1 ? " vote" : " votes");
      total.setAttribute("data-votes", String(data.votes));
    });
  }

  // This file sits above live.js in the page; deferred scripts run in order, all before DOMContentLoaded.
  if (window.tummlerLive) {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
