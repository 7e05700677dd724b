// Live updates for signed-in members: the notification bell and replies on open thread pages.
// Every piece of user text arrives as server-sanitised HTML or is set with textContent.
(function () {
  "use strict";
  if (typeof io === "undefined") { return; }

  var socket = io("/live", { transports: ["websocket", "polling"] });
  // Other page scripts (e.g. ideas-live.js) listen on this one connection rather than opening their own.
  window.tummlerLive = socket;
  var countEl = document.querySelector("[data-live-count]");
  var toasts = document.querySelector("[data-live-toasts]");

  function setCount(unread) {
    if (!countEl) { return; }
    countEl.textContent = String(unread);
    countEl.hidden = unread === 0;
  }

  function toast(note) {
    if (!toasts) { return; }
    var link = document.createElement("a");
    link.className = "live-toast";
    link.href = "/notifications/" + encodeURIComponent(note.id);
    link.textContent = note.text;
    toasts.appendChild(link);
    setTimeout(function () { link.remove(); }, 8000);
  }

  socket.on("notification_count", function (data) { setCount(data.unread); });
  socket.on("notification", function (note) { setCount(note.unread); toast(note); });

  var thread = document.querySelector("[data-thread-id]");
  if (!thread) { return; }
  var threadId = parseInt(thread.getAttribute("data-thread-id"), 10);
  var postList = thread.querySelector("[data-post-list]") || thread.querySelector(".posts");
  // Only the last page grows: earlier pages would get replies that belong elsewhere.
  var onLastPage = !document.querySelector(".pagination [rel=next]");

  socket.on("connect", function () { socket.emit("watch_thread", { thread_id: threadId }); });

  socket.on("post_created", function (data) {
    if (data.thread_id !== threadId || !postList || !onLastPage) { return; }
    if (document.getElementById("post-" + data.number)) { return; }
    var template = document.createElement("template");
    template.innerHTML = data.html;
    postList.appendChild(template.content);
  });

  socket.on("post_updated", function (data) {
    if (data.thread_id !== threadId) { return; }
    var post = document.getElementById("post-" + data.number);
    var body = post && post.querySelector(".post-body, .prose");
    if (body) { body.innerHTML = data.body_html; }
  });
})();
