// A chat room page: live messages over Socket.IO with no gaps, presence, typing, history, edits.
// Message bodies are HTML sanitised by the server when stored; every name is set with textContent.
(function () {
  "use strict";
  var roomEl = document.querySelector("[data-chat-room]");
  if (!roomEl || typeof io === "undefined") { return; }

  var roomId = parseInt(roomEl.getAttribute("data-chat-room"), 10);
  var lastSeq = parseInt(roomEl.getAttribute("data-last-seq"), 10) || 0;
  var lastChange = parseInt(roomEl.getAttribute("data-last-change"), 10) || 0;
  var oldestSeq = parseInt(roomEl.getAttribute("data-oldest-seq"), 10) || 0;
  var canModerate = roomEl.getAttribute("data-can-moderate") === "true";
  var myId = parseInt(document.body.getAttribute("data-user-id"), 10);
  var list = roomEl.querySelector("[data-chat-messages]");
  var statusEl = roomEl.querySelector("[data-chat-status]");
  var typingEl = roomEl.querySelector("[data-chat-typing]");
  var peopleEl = roomEl.querySelector("[data-chat-people]");
  var olderBtn = roomEl.querySelector("[data-chat-older]");
  var composer = roomEl.querySelector("[data-chat-composer]");
  var errorEl = roomEl.querySelector("[data-chat-error]");
  var textarea = composer && composer.querySelector("textarea");
  var syncing = false;

  var socket = io("/chat", { transports: ["websocket", "polling"] });

  function setStatus(text) { if (statusEl) { statusEl.textContent = text; } }

  function showError(message) {
    if (!errorEl) { setStatus(message); return; }
    errorEl.textContent = message;
    errorEl.hidden = !message;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function formatTime(iso) {
    var when = new Date(iso);
    return isNaN(when) ? "" : when.toLocaleString([], { day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit" });
  }

  function renderBody(item, message) {
    var old = item.querySelector(".chat-body");
    if (old) { old.remove(); }
    var body;
    if (message.deleted) {
      body = el("p", "chat-body chat-tombstone",
        message.deleted_by_moderator ? "Message removed by a facilitator." : "Message deleted.");
      item.classList.add("is-deleted");
    } else {
      body = el("div", "chat-body");
      body.innerHTML = message.body_html; // sanitised by the server at write time
    }
    item.querySelector(".chat-meta").after(body);
    var edited = item.querySelector(".chat-edited");
    if (message.edited && !message.deleted && !edited) {
      item.querySelector(".chat-meta").appendChild(el("span", "chat-edited", "(edited)"));
    }
    addTools(item, message);
  }

  function buildMessage(message) {
    var item = el("li", "chat-message" + (message.author.staff ? " by-staff" : ""));
    item.id = "m-" + message.seq;
    item.setAttribute("data-seq", message.seq);
    item.setAttribute("data-id", message.id);
    item.setAttribute("data-author-id", message.author.id);
    var meta = el("p", "chat-meta");
    var author = el("a", "chat-author", message.author.name);
    author.href = "/u/" + encodeURIComponent(message.author.username);
    meta.appendChild(author);
    if (message.author.staff) { meta.appendChild(document.createTextNode(" ")); meta.appendChild(el("span", "badge staff", "Staff")); }
    var time = el("time", "", formatTime(message.created_at));
    time.setAttribute("datetime", message.created_at);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(time);
    item.appendChild(meta);
    renderBody(item, message);
    return item;
  }

  function addTools(item, message) {
    var old = item.querySelector(".chat-tools");
    if (old) { old.remove(); }
    if (message.deleted) { return; }
    var mine = message.author.id === myId;
    if (!mine && !canModerate) { return; }
    var tools = el("p", "chat-tools");
    if (mine) {
      var edit = el("button", "link-button", "Edit");
      edit.type = "button";
      edit.addEventListener("click", function () { startEdit(item, message); });
      tools.appendChild(edit);
    }
    var del = el("button", "link-button", "Delete");
    del.type = "button";
    del.addEventListener("click", function () { deleteMessage(message, mine); });
    tools.appendChild(del);
    item.appendChild(tools);
  }

  function startEdit(item, message) {
    var body = item.querySelector(".chat-body");
    var form = el("form", "chat-edit");
    var label = el("label", "visually-hidden", "Edit message");
    var area = el("textarea");
    area.id = "edit-" + message.id;
    label.htmlFor = area.id;
    area.rows = 2;
    area.value = body ? body.textContent.trim() : "";
    var save = el("button", "button primary", "Save");
    save.type = "submit";
    var cancel = el("button", "button", "Cancel");
    cancel.type = "button";
    form.append(label, area, save, cancel);
    item.appendChild(form);
    area.focus();
    cancel.addEventListener("click", function () { form.remove(); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      socket.emit("edit", { message_id: message.id, body: area.value }, function (reply) {
        if (!reply.ok) { setStatus(reply.error.message); return; }
        form.remove();
        applyUpdate(reply.message);
      });
    });
  }

  function deleteMessage(message, mine) {
    var reason = "";
    if (!mine) {
      reason = window.prompt("Reason for removing this message (shown in the audit log):");
      if (!reason) { return; }
    } else if (!window.confirm("Delete this message?")) {
      return;
    }
    socket.emit("delete", { message_id: message.id, reason: reason }, function (reply) {
      if (!reply.ok) { setStatus(reply.error.message); return; }
      applyUpdate(reply.message);
    });
  }

  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.body.offsetHeight - 200;
  }

  // Messages arrive in sequence order exactly once: older or repeated numbers are dropped, and a
  // jump past the next number asks the server for everything in between.
  function receive(message) {
    if (message.room_id !== roomId || message.seq <= lastSeq) { return; }
    if (message.seq !== lastSeq + 1) { sync(); return; }
    var follow = nearBottom();
    list.appendChild(buildMessage(message));
    lastSeq = message.seq;
    if (!oldestSeq) { oldestSeq = message.seq; }
    var empty = roomEl.querySelector("[data-chat-empty]");
    if (empty) { empty.remove(); }
    if (follow) { list.lastElementChild.scrollIntoView({ block: "end" }); }
    markRead();
  }

  function applyUpdate(message) {
    if (message.room_id !== roomId) { return; }
    var item = document.getElementById("m-" + message.seq);
    if (item) { renderBody(item, message); }
    if (message.change_no > lastChange) { lastChange = message.change_no; }
  }

  function applyCatchUp(reply) {
    (reply.updates || []).forEach(applyUpdate);
    (reply.messages || []).forEach(receive);
    if (reply.last_change > lastChange) { lastChange = reply.last_change; }
    if (reply.more) { sync(true); }
  }

  function sync(force) {
    if (syncing && !force) { return; }
    syncing = true;
    socket.emit("sync", { room_id: roomId, last_seq: lastSeq, last_change: lastChange }, function (reply) {
      syncing = false;
      if (reply.ok) { applyCatchUp(reply); } else { setStatus(reply.error.message); }
    });
  }

  var readTimer = null;
  function markRead() {
    if (document.hidden || readTimer) { return; }
    readTimer = setTimeout(function () {
      readTimer = null;
      socket.emit("read", { room_id: roomId, seq: lastSeq }, function () {});
    }, 1000);
  }
  document.addEventListener("visibilitychange", markRead);

  function showPeople(people) {
    if (!peopleEl) { return; }
    peopleEl.replaceChildren();
    people.forEach(function (person) {
      var li = el("li", person.staff ? "by-staff" : "", person.name);
      if (person.staff) { li.appendChild(el("span", "badge staff", "Staff")); }
      peopleEl.appendChild(li);
    });
  }

  var typingPeople = {};
  function showTyping() {
    var names = Object.keys(typingPeople).map(function (id) { return typingPeople[id].name; });
    typingEl.textContent = names.length === 0 ? "" :
      names.length === 1 ? names[0] + " is typing…" : names.join(", ") + " are typing…";
  }

  socket.on("connect", function () {
    setStatus("");
    socket.emit("join", { room_id: roomId, last_seq: lastSeq, last_change: lastChange }, function (reply) {
      if (!reply.ok) { setStatus(reply.error.message); return; }
      showPeople(reply.people);
      applyCatchUp(reply);
    });
  });
  socket.on("disconnect", function () { setStatus("Connection lost: reconnecting…"); });
  socket.on("connect_error", function () { setStatus("Cannot reach the chat right now: retrying…"); });
  socket.on("chat_message", receive);
  // Messages committed together arrive as one list, in sequence order.
  socket.on("chat_messages", function (messages) { messages.forEach(receive); });
  socket.on("message_changed", applyUpdate);
  socket.on("presence", function (data) { if (data.room_id === roomId) { showPeople(data.people); } });
  socket.on("typing", function (data) {
    if (data.room_id !== roomId || data.person.id === myId) { return; }
    var id = data.person.id;
    if (typingPeople[id]) { clearTimeout(typingPeople[id].timer); }
    typingPeople[id] = { name: data.person.name, timer: setTimeout(function () { delete typingPeople[id]; showTyping(); }, 4000) };
    showTyping();
  });
  socket.on("room_changed", function (room) {
    if (room.id !== roomId) { return; }
    var name = roomEl.querySelector("[data-room-name]");
    var topic = roomEl.querySelector("[data-room-topic]");
    if (name && room.kind === "public") { name.textContent = room.name; }
    if (topic) { topic.textContent = room.topic; }
    var note = room.state === "archived" ? "This room is now archived." :
      room.locked ? "This room is locked by a facilitator." :
      room.slow_mode_seconds ? "Slow mode: one message every " + room.slow_mode_seconds + " s." : "";
    setStatus(note);
  });
  socket.on("muted", function (data) {
    if (data.room_id !== roomId) { return; }
    showError(data.until ? "A facilitator muted you in this room" + (data.reason ? ": " + data.reason : ".") : "");
  });

  if (olderBtn) {
    olderBtn.hidden = false;
    olderBtn.addEventListener("click", function () {
      olderBtn.disabled = true;
      socket.emit("history", { room_id: roomId, before_seq: oldestSeq }, function (reply) {
        olderBtn.disabled = false;
        if (!reply.ok) { setStatus(reply.error.message); return; }
        var first = list.firstElementChild;
        reply.messages.forEach(function (message) {
          if (!document.getElementById("m-" + message.seq)) { list.insertBefore(buildMessage(message), first); }
        });
        if (reply.messages.length) { oldestSeq = reply.messages[0].seq; }
        if (!reply.has_older) { olderBtn.hidden = true; }
      });
    });
  }

  // Server-rendered messages get the same edit and delete buttons as live ones.
  Array.prototype.forEach.call(list.querySelectorAll(".chat-message"), function (item) {
    var staticTools = item.querySelector("details.chat-tools");
    if (staticTools) { staticTools.remove(); }
    var body = item.querySelector(".chat-body");
    addTools(item, {
      id: parseInt(item.getAttribute("data-id"), 10), seq: parseInt(item.getAttribute("data-seq"), 10),
      author: { id: parseInt(item.getAttribute("data-author-id"), 10) }, deleted: item.classList.contains("is-deleted"),
      body_html: body ? body.innerHTML : ""
    });
  });
  if (list.lastElementChild) { list.lastElementChild.scrollIntoView({ block: "end" }); }

  if (composer && textarea) {
    var lastTyping = 0;
    textarea.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastTyping > 3000 && textarea.value.trim()) {
        lastTyping = now;
        socket.emit("typing", { room_id: roomId }, function () {});
      }
    });
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        composer.requestSubmit();
      }
    });
    composer.addEventListener("submit", function (event) {
      if (!socket.connected) { return; } // fall back to the plain form post
      event.preventDefault();
      var text = textarea.value;
      if (!text.trim()) { showError("Write something before sending."); return; }
      var button = composer.querySelector("button[type=submit]");
      button.disabled = true;
      // A staff member's "Send anyway" past the no-hard-sell check (a checkbox, or set by hosting.js).
      var override = composer.querySelector('input[name="override"]');
      var payload = { room_id: roomId, body: text };
      if (override && (override.type === "checkbox" ? override.checked : override.value === "1")) {
        payload.override = true;
      }
      socket.timeout(10000).emit("send", payload, function (err, reply) {
        button.disabled = false;
        if (err) { showError("The message was not confirmed; it is still here to send again."); return; }
        if (!reply.ok) { showError(reply.error.message); return; }
        showError("");
        if (override && override.type === "checkbox") { override.checked = false; }
        if (textarea.value === text) { textarea.value = ""; }
        receive(reply.message);
        lastTyping = 0;
      });
    });
  }
})();
