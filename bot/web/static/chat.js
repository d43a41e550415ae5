// The person's web chat. Replies arrive twice on purpose: in the answer to a post and over the
// live stream (server-sent events), each with its outbox id, so that a dropped answer, a dropped
// stream or a reload loses nothing; copies are dropped by id. The conversation on this screen is
// kept in sessionStorage (this tab only) and wiped by quick exit and by erasing.
"use strict";

(function () {
  const body = document.body;
  const words = JSON.parse(body.dataset.words || "{}");
  const exitUrl = body.dataset.exit || "about:blank";
  const log = document.getElementById("log");
  const options = document.getElementById("options");
  const form = document.getElementById("compose");
  const input = document.getElementById("text");
  const status = document.getElementById("status");
  const KEYS = { rows: "pfa.rows", last: "pfa.last", outgoing: "pfa.outgoing" };
  const shown = new Set();
  let lastId = Number(load(KEYS.last, 0));
  let rows = load(KEYS.rows, []);
  let outgoing = load(KEYS.outgoing, []);
  let source = null;
  let ackTimer = null;
  let sending = false;
  const bubbles = new Map();  // an outgoing message's id -> its bubble, while it is not yet taken

  // Quick exit ------------------------------------------------------------------------------------

  function quickExit() {
    try { sessionStorage.clear(); } catch (e) { /* storage may be off: leave anyway */ }
    if (source) source.close();
    document.title = "";
    document.body.replaceChildren();
    // replace(): this page's entry in the history becomes the neutral site, so Back skips it.
    window.location.replace(exitUrl);
  }

  document.getElementById("quick-exit").addEventListener("click", quickExit);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") quickExit();
  });

  // Keeping the screen across reloads -------------------------------------------------------------

  function load(key, fallback) {
    try {
      const raw = sessionStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) {
      return fallback;
    }
  }

  function save() {
    try {
      sessionStorage.setItem(KEYS.rows, JSON.stringify(rows.slice(-300)));
      sessionStorage.setItem(KEYS.last, JSON.stringify(lastId));
      sessionStorage.setItem(KEYS.outgoing, JSON.stringify(outgoing));
    } catch (e) { /* a full or disabled store only costs the screen on reload */ }
  }

  // Showing messages ------------------------------------------------------------------------------

  function bubble(text, mine) {
    const item = document.createElement("div");
    item.className = mine ? "line mine" : "line bot";
    item.textContent = text;
    log.append(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  function showOptions(list) {
    // A pressed option goes with the old set: keep a keyboard user's focus on the page, in the
    // message box, from which Shift+Tab reaches the new options.
    const hadFocus = options.contains(document.activeElement);
    options.replaceChildren();
    if (hadFocus) input.focus();
    (list || []).forEach(function (option) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "option";
      button.id = "option-" + option.id;
      button.textContent = option.label;
      button.addEventListener("click", function () { submit({ option: option.id }, option.label); });
      options.append(button);
    });
  }

  function receive(row, live) {
    if (row.id !== null && row.id !== undefined) {
      if (shown.has(row.id)) return;
      shown.add(row.id);
      lastId = Math.max(lastId, row.id);
    }
    rows.push({ text: row.text, options: row.options || [], pacing: row.pacing || null });
    bubble(row.text, false);
    showOptions(row.options);
    if (live && row.pacing) pace(row.pacing);
    save();
  }

  function mine(text) {
    rows.push({ text: text, mine: true });
    save();
    return bubble(text, true);
  }

  function dropMine(bubble) {
    for (let index = rows.length - 1; index >= 0; index -= 1) {
      if (rows[index].mine && rows[index].text === bubble.textContent) {
        rows.splice(index, 1);
        break;
      }
    }
    bubble.remove();
  }

  function restore() {
    rows.forEach(function (row) { bubble(row.text, Boolean(row.mine)); });
    const lastBot = rows.filter(function (row) { return !row.mine; }).pop();
    if (lastBot) showOptions(lastBot.options);
  }

  // The breathing pacer: a circle grows on the in-breath, stays on a hold, shrinks on the out-breath.
  // Rhythms run in, [hold,] out[, hold]: the first phase grows, the one after the top shrinks.

  const pacer = document.getElementById("pacer");
  const shape = document.getElementById("pacer-shape");
  const pacerLabel = document.getElementById("pacer-label");
  let pacing = 0;

  function pace(phases) {
    const run = ++pacing;
    pacer.hidden = false;
    pacer.scrollIntoView({ block: "center" });
    shape.style.transitionDuration = "0s";
    shape.style.transform = "scale(0.4)";
    void shape.offsetWidth;  // apply the small start now, so the first phase animates from it
    let start = 0;
    phases.forEach(function (phase, index) {
      setTimeout(function () {
        if (run === pacing) phaseStarts(run, phase, index, phases.length);
      }, start * 1000);
      start += phase.seconds;
    });
    setTimeout(function () { if (run === pacing) pacerLabel.textContent = words.pacer_done; }, start * 1000);
  }

  function phaseStarts(run, phase, index, count) {
    const shrinkAt = count === 2 ? 1 : 2;
    shape.style.transitionDuration = phase.seconds + "s";
    if (index === 0) shape.style.transform = "scale(1)";
    if (index === shrinkAt) shape.style.transform = "scale(0.4)";
    let left = phase.seconds;
    pacerLabel.textContent = phase.label + " " + left;
    const tick = setInterval(function () {
      left -= 1;
      if (left <= 0 || run !== pacing) { clearInterval(tick); return; }
      pacerLabel.textContent = phase.label + " " + left;
    }, 1000);
  }

  // Sending: every message has its own random id and is kept until the server has it, so one
  // written offline goes when the connection is back, and one sent twice is handled once.

  function submit(message, shownText) {
    pacing += 1;  // the person moved on: a round still running stops
    pacer.hidden = true;
    message.id = Math.floor(Math.random() * Number.MAX_SAFE_INTEGER);
    bubbles.set(message.id, mine(shownText));
    outgoing.push(message);
    save();
    flush();
  }

  async function flush() {
    if (sending || outgoing.length === 0) return;
    sending = true;
    status.textContent = words.sending;
    try {
      while (outgoing.length > 0) {
        const answer = await post("/chat/send", Object.assign({ seen: lastId }, outgoing[0]));
        const message = outgoing.shift();
        save();
        if (!(await settle(answer, message))) return;
      }
      status.textContent = "";
    } catch (e) {
      status.textContent = words.not_sent;
      setTimeout(flush, 3000);
    } finally {
      sending = false;
    }
  }

  // Shows what the answer brought; false when the message was refused (too fast, too long): its
  // bubble goes, its words go back into the box, and whatever else waits is held back until the
  // person sends again.
  async function settle(answer, message) {
    const data = await answer.json().catch(function () { return {}; });
    const bubble = bubbles.get(message.id);
    bubbles.delete(message.id);
    if (data.refused) {
      status.textContent = words[data.refused] || "";
      if (bubble) dropMine(bubble);
      if (message.text && !input.value) input.value = message.text;
      save();
      return false;
    }
    if (data.erased) forgetScreen();
    (data.messages || []).forEach(function (row) { receive(row, true); });
    acknowledge();
    return true;
  }

  function post(path, data) {
    return fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(data),
      credentials: "same-origin",
    }).then(function (answer) {
      if (answer.status >= 500 || answer.status === 403) throw new Error("not taken");
      return answer;
    });
  }

  function forgetScreen() {
    rows = [];
    lastId = 0;
    shown.clear();
    log.replaceChildren();
    options.replaceChildren();
    try { sessionStorage.clear(); } catch (e) { /* nothing kept to clear */ }
    status.textContent = words.erased;
    if (source) { source.close(); source = null; }
    setTimeout(connect, 500);  // the new conversation's stream, under the new key
  }

  function acknowledge() {
    clearTimeout(ackTimer);
    ackTimer = setTimeout(function () { post("/chat/seen", { seen: lastId }).catch(function () {}); }, 500);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    submit({ text: text }, text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  document.getElementById("erase").addEventListener("click", function () {
    submit({ text: "/forget" }, "/forget");
  });

  // The live stream, resumed after the last id this page has -------------------------------------

  function connect() {
    if (source) source.close();
    const stream = new EventSource("/chat/events?after=" + lastId);
    source = stream;
    source.onopen = function () {
      heard = Date.now();
      if (!sending) status.textContent = "";
      body.dataset.live = "on";
    };
    source.onerror = function () {
      body.dataset.live = "off";
      status.textContent = words.connection_lost;
      // The browser retries by itself; a stream it gave up on (closed) is opened anew, if it is
      // still this page's stream.
      if (stream.readyState === EventSource.CLOSED && source === stream) setTimeout(connect, 2000);
    };
    source.addEventListener("ping", function () { heard = Date.now(); });
    source.addEventListener("message", function (event) {
      heard = Date.now();
      receive(JSON.parse(event.data), true);
      acknowledge();
    });
  }

  // A phone that loses its network (or changes it) may leave the stream hanging without an error:
  // going offline closes it, coming back opens a new one from the last id, and a stream silent for
  // longer than a few of the server's pings is replaced.
  function disconnect() {
    if (source) { source.close(); source = null; }
    body.dataset.live = "off";
    status.textContent = words.connection_lost;
  }

  let heard = Date.now();
  setInterval(function () {
    if (source && Date.now() - heard > 45000) { heard = Date.now(); connect(); }
  }, 5000);

  window.addEventListener("offline", disconnect);
  window.addEventListener("online", function () { connect(); flush(); });

  restore();
  connect();
  if (rows.length === 0 && outgoing.length === 0) {
    outgoing.push({ text: "/start", id: Math.floor(Math.random() * Number.MAX_SAFE_INTEGER) });
    save();
  }
  flush();
}());
