// Live updates for the staff desk: server-sent events replace the queue, add chat lines and
// notifications. Pages work without this script; it only spares reloads. No inline script anywhere.
"use strict";

(function () {
  const body = document.body;
  const live = body.dataset.live;
  const csrf = body.dataset.csrf;

  function fragment(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  function notify(text) {
    const list = document.getElementById("notices");
    if (!list) return;
    const item = document.createElement("li");
    item.textContent = text;
    list.prepend(item);
    while (list.children.length > 20) list.lastElementChild.remove();
  }

  function status(text) {
    const line = document.getElementById("connection");
    if (line) line.textContent = text;
  }

  function addChatLine(html) {
    const chat = document.getElementById("chat");
    if (!chat) return;
    const content = fragment(html);
    const line = content.firstElementChild;
    if (!line || chat.querySelector('[data-key="' + line.dataset.key + '"]')) return;
    chat.append(line);
    line.scrollIntoView({ block: "nearest" });
  }

  function connect() {
    const source = new EventSource(live);
    source.onopen = function () { status("Live updates: on"); };
    source.onerror = function () { status("Live updates: reconnecting…"); };
    source.addEventListener("queue", function (event) {
      const queue = document.getElementById("queue");
      if (queue) queue.replaceChildren(fragment(event.data));
    });
    source.addEventListener("chat", function (event) { addChatLine(event.data); });
    source.addEventListener("notice", function (event) { notify(JSON.parse(event.data).text); });
    source.addEventListener("case", function () { window.location.reload(); });
    source.addEventListener("ended", function (event) {
      source.close();
      status(event.data);
      window.location.assign("/desk/signin");
    });
  }

  function sendByFetch(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const data = new FormData(form);
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "X-Requested-With": "fetch" },
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      }).then(function (result) {
        form.reset();
        result.replies.forEach(notify);
        const field = form.querySelector("textarea");
        if (field) field.focus();
      }).catch(function () { notify("Not sent: check the connection and try again."); });
    });
    const field = form.querySelector("textarea");
    if (field) {
      field.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey) {
          event.preventDefault();
          form.requestSubmit();
        }
      });
    }
  }

  document.querySelectorAll("form[data-fetch]").forEach(sendByFetch);
  if (live) connect();
})();
