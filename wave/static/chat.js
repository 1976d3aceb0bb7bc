// Chats: live messages, catch-up after a drop or a sleeping phone, and an outbox that loses
// nothing. Messages are sent over HTTP (the server stores them, then tells the chat's rooms).
// A new plain message comes in its event and is drawn from the page's sketch, a reaction
// with the message's reactions; other changes are only named there, and this script
// fetches them.
(function () {
  "use strict";
  const body = document.body;

  // One Socket.IO connection per page: staff.js and this script both call io(); the second
  // call gets the first one's socket instead of opening another connection.
  if (typeof window.io === "function" && !window.io.shared) {
    const open = window.io;
    let socket = null;
    const shared = function () {
      return socket || (socket = open.apply(this, arguments));
    };
    Object.assign(shared, open, { shared: true });
    window.io = shared;
  }
  if (!body.dataset.live || typeof window.io !== "function") return;

  const socket = window.io({ transports: ["websocket", "polling"] });
  const HX = { "HX-Request": "true" };
  const csrf = () => JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  const visible = () => document.visibilityState === "visible";

  // fn once calls stop for `ms`; with `most`, also while they go on, at least every `most` ms
  // (a chat busier than one message per `ms` would otherwise never refresh the badge).
  function debounce(fn, ms, most) {
    let timer = null;
    let since = 0;
    return function () {
      clearTimeout(timer);
      since = since || Date.now();
      const wait = most ? Math.max(0, Math.min(ms, since + most - Date.now())) : ms;
      timer = setTimeout(function () {
        since = 0;
        fn();
      }, wait);
    };
  }

  function get(url) {
    return fetch(url, { headers: HX, credentials: "same-origin" });
  }

  // ------------------------------------------------------------ times in the phone's zone
  const lang = document.documentElement.lang || undefined;
  function localTimes(root) {
    const today = new Date().toDateString();
    root.querySelectorAll("time[data-local]").forEach(function (el) {
      const when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      const opts = { hour: "2-digit", minute: "2-digit" };
      if (when.toDateString() !== today) Object.assign(opts, { day: "numeric", month: "short" });
      el.textContent = when.toLocaleString(lang, opts);
    });
  }

  // ------------------------------------------------------------ badge, list, notices
  function showBadge(total) {
    document.querySelectorAll(".chat-badge").forEach(function (badge) {
      badge.textContent = total > 99 ? "99+" : total; // the server stops at 100
      badge.hidden = !total;
    });
  }
  const refreshBadge = debounce(function () {
    if (!body.dataset.unreadUrl) return;
    get(body.dataset.unreadUrl)
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => data && showBadge(data.total))
      .catch(() => {});
  }, 250, 2000);
  const refreshList = debounce(() => htmx.trigger(body, "wave:chats"), 250, 2000);
  // The list comes in pages: a live refresh asks for every row down to the last one shown,
  // so that the pages opened with "Show more" stay open.
  document.addEventListener("htmx:configRequest", function (evt) {
    if (evt.detail.elt.id !== "chat-list") return;
    const rows = evt.detail.elt.querySelectorAll(":scope > li[data-key]");
    if (rows.length) evt.detail.parameters.through = rows[rows.length - 1].dataset.key;
  });

  function showNotice(data) {
    if (chat && String(data.thread_id) === chat.dataset.threadId && visible()) return;
    const box = document.getElementById("chat-notices");
    if (!box || !body.dataset.noticeUrl) return;
    get(body.dataset.noticeUrl + "?message_id=" + encodeURIComponent(data.message_id))
      .then((r) => (r.ok ? r.text() : ""))
      .then(function (html) {
        if (!html) return;
        const tpl = document.createElement("template");
        tpl.innerHTML = html.trim();
        const notice = tpl.content.firstElementChild;
        box.appendChild(notice);
        setTimeout(() => notice.remove(), 20000);
      })
      .catch(() => {});
  }
  document.addEventListener("click", function (evt) {
    const dismiss = evt.target.closest(".chat-notice .dismiss");
    if (dismiss) dismiss.closest(".chat-notice").remove();
  });

  // Ticking colleagues for a group: a filter box narrows a long list.
  document.addEventListener("input", function (evt) {
    if (!evt.target.matches(".people-filter")) return;
    const needle = evt.target.value.trim().toLowerCase();
    evt.target.closest("fieldset").querySelectorAll("li").forEach(function (li) {
      li.hidden = needle !== "" && !li.textContent.toLowerCase().includes(needle);
    });
  });

  // ------------------------------------------------------------ the open chat
  const chat = document.getElementById("chat");
  const list = chat && document.getElementById("messages");
  const live = chat && !chat.dataset.pagedBack; // an older page does not grow at the bottom
  const me = document.body.dataset.me || ""; // who is signed in: their messages, their entries

  function lastId() {
    let max = 0;
    list.querySelectorAll("li.message[data-id]").forEach(function (li) {
      max = Math.max(max, Number(li.dataset.id));
    });
    return max;
  }

  function firstId() {
    const first = list.querySelector("li.message[data-id]");
    return first ? Number(first.dataset.id) : 0;
  }

  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 160;
  }

  function scrollToEnd() {
    window.scrollTo(0, document.body.scrollHeight);
  }

  // A live refresh must not wipe an edit being typed or a menu being used: it waits.
  function busy(el) {
    const focused = document.activeElement;
    return (focused && el.contains(focused) && focused.matches("input, textarea")) ||
      el.querySelector("details[open]") !== null;
  }

  // Put messages (HTML from the server) in place by id: a message already shown is replaced,
  // never added twice — the answer to one's own send and the live event both bring it.
  function insertMessages(html) {
    const tpl = document.createElement("template");
    tpl.innerHTML = html;
    const stick = nearBottom();
    let added = false;
    let fresh = 0; // others' messages added
    tpl.content.querySelectorAll("li.message[data-id]").forEach(function (li) {
      const id = Number(li.dataset.id);
      const shown = document.getElementById("message-" + id);
      if (shown) {
        if (busy(shown)) shown.dataset.stale = "1";
        else shown.replaceWith(li);
      } else {
        const later = Array.from(list.querySelectorAll("li.message[data-id]")).find(
          (other) => Number(other.dataset.id) > id
        );
        list.insertBefore(li, later || null);
        added = true;
        if (!li.classList.contains("own")) fresh += 1;
      }
      if (li.dataset.clientId) dropPending(li.dataset.clientId);
      if (li.isConnected) enhance(li);
    });
    if (added) {
      const empty = document.getElementById("no-messages");
      if (empty) empty.remove();
      if (stick) scrollToEnd();
      else countBelow(fresh);
    }
  }

  // Messages by others that came while one reads further up: a button over the compose box
  // says how many, and takes one down to them.
  let below = 0;
  function countBelow(n) {
    const button = document.getElementById("new-below");
    if (!button || !n) return;
    below += n;
    button.querySelector(".count").textContent = below > 99 ? "99+" : below;
    button.hidden = false;
  }
  function clearBelow() {
    const button = document.getElementById("new-below");
    below = 0;
    if (button) button.hidden = true;
  }
  document.addEventListener("click", function (evt) {
    if (evt.target.closest && evt.target.closest("#new-below")) {
      scrollToEnd();
      clearBelow();
    }
  });
  window.addEventListener(
    "scroll",
    function () {
      if (below && nearBottom()) clearBelow();
    },
    { passive: true }
  );

  function enhance(root) {
    localTimes(root);
    if (root.isConnected) htmx.process(root);
    if (observer) {
      const items = root.matches && root.matches("li.message[data-id]") ? [root] : [];
      items.concat(Array.from(root.querySelectorAll("li.message[data-id]"))).forEach((li) =>
        observer.observe(li)
      );
    }
  }

  // Catch up: everything after the newest message shown, page by page.
  let catching = false;
  let again = false;
  async function catchUp() {
    if (!live) return;
    if (catching) {
      again = true;
      return;
    }
    catching = true;
    try {
      let more = true;
      while (more || again) {
        again = false;
        const r = await get(chat.dataset.messagesUrl + "?after=" + lastId());
        if (!r.ok) break;
        insertMessages(await r.text());
        more = r.headers.get("X-Wave-More") === "1";
      }
    } catch (e) {
      // Offline: the next connect or wake-up catches up.
    } finally {
      catching = false;
    }
  }

  // A new plain message comes with its author, text and time: drawn into a copy of the page's
  // sketch (a message rendered by the server in this page's language, with this page's CSRF
  // token), without a request. Fetched instead when it is one's own (another device of the
  // author: receipts, the edit form), has photos, a quote or a request card, or when the
  // chat's message before it is not shown here: then everything since the newest shown is.
  function showPosted(data) {
    if (!live) return;
    const id = Number(data.message_id);
    if (document.getElementById("message-" + id)) return;
    const follows =
      data.previous_id == null
        ? lastId() === 0
        : document.getElementById("message-" + data.previous_id) !== null;
    const html = String(data.author_id) !== me && follows && !catching ? drawn(data) : null;
    if (html) insertMessages(html);
    else if (id < lastId()) fetchMessage(id);
    else catchUp();
  }
  function drawn(data) {
    const sketch = document.getElementById("message-sketch");
    if (!sketch || !data.text) return null;
    const tpl = document.createElement("template");
    tpl.innerHTML = sketch.innerHTML.split(sketch.dataset.id).join(String(Number(data.message_id)));
    const li = tpl.content.querySelector("li.message");
    li.querySelector(".author").textContent = data.text.author;
    li.querySelector(".body").textContent = data.text.body;
    li.querySelectorAll("[data-author]").forEach((el) => (el.dataset.author = data.text.author));
    li.querySelectorAll("time").forEach((el) => el.setAttribute("datetime", data.text.at));
    return li.outerHTML;
  }
  function fetchMessage(id) {
    get(chat.dataset.messageUrl.replace(/0$/, id))
      .then((r) => (r.ok ? r.text() : ""))
      .then((html) => html && insertMessages(html))
      .catch(() => {});
  }

  // A reaction comes with the message's reactions (emoji, names, user ids): drawn in place as
  // messenger/_message.html draws them, the bar under the bubble and the list in its menu,
  // without a request (an open menu stays open).
  function showReactions(data) {
    const li = document.getElementById("message-" + Number(data.message_id));
    const picker = li && li.querySelector("form.react-picker");
    if (!picker) return;
    let bar = li.querySelector(":scope > form.reactions");
    let who = li.querySelector("ul.who-reacted");
    if (!data.reactions.length) {
      if (bar) bar.remove();
      if (who) who.remove();
      return;
    }
    if (!bar) {
      bar = document.createElement("form");
      bar.className = "reactions";
      ["method", "action", "hx-post", "hx-target", "hx-swap"].forEach((name) =>
        bar.setAttribute(name, picker.getAttribute(name))
      );
      li.querySelector(".bubble").after(bar);
    }
    if (!who) {
      who = document.createElement("ul");
      who.className = "who-reacted";
      picker.after(who);
    }
    const token = picker.querySelector("input[name=csrf_token]").cloneNode();
    bar.replaceChildren(
      token,
      ...data.reactions.map(function (group) {
        const names = group.names.join(", ");
        const button = document.createElement("button");
        button.type = "submit";
        button.name = "emoji";
        button.value = group.emoji;
        button.className = "reaction" + (group.users.map(String).includes(me) ? " mine" : "");
        button.title = names;
        button.setAttribute("aria-label", group.emoji + " " + names);
        button.textContent = group.emoji + " " + group.names.length;
        return button;
      })
    );
    who.replaceChildren(
      ...data.reactions.map(function (group) {
        const item = document.createElement("li");
        item.textContent = group.emoji + " " + group.names.join(", ");
        return item;
      })
    );
    htmx.process(bar);
  }

  function refreshMessage(id) {
    const shown = document.getElementById("message-" + id);
    if (!shown) return;
    if (busy(shown)) {
      shown.dataset.stale = "1";
      return;
    }
    delete shown.dataset.stale;
    fetchMessage(id);
  }
  function refreshStale() {
    if (!chat) return;
    list.querySelectorAll("li.message[data-stale]").forEach(function (li) {
      if (!busy(li)) refreshMessage(li.dataset.id);
    });
  }
  document.addEventListener(
    "toggle",
    function (evt) {
      setTimeout(refreshStale, 0);
      if (evt.target.matches && evt.target.matches("details.msg-actions[open]")) placeMenu(evt.target);
    },
    true
  );
  document.addEventListener("focusout", () => setTimeout(refreshStale, 0));

  // A message's menu opens below its ⋯, or above it when the compose box would cover it.
  function placeMenu(details) {
    const menu = details.querySelector(".msg-menu");
    details.classList.remove("up");
    menu.style.maxHeight = "";
    const form = composeForm();
    const head = document.querySelector(".chat-head");
    const floor = form ? form.getBoundingClientRect().top : window.innerHeight;
    const ceiling = head ? head.getBoundingClientRect().bottom : 0;
    const summary = details.querySelector("summary").getBoundingClientRect();
    const below = floor - summary.bottom;
    const above = summary.top - ceiling;
    if (menu.getBoundingClientRect().bottom <= floor) return;
    if (above > below) details.classList.add("up");
    menu.style.maxHeight = Math.max(Math.max(above, below) - 8, 160) + "px";
  }

  const refreshReceipts = debounce(function () {
    get(chat.dataset.receiptsUrl + "?after=" + firstId())
      .then((r) => (r.ok ? r.text() : ""))
      .then(function (html) {
        const tpl = document.createElement("template");
        tpl.innerHTML = html;
        tpl.content.querySelectorAll("span.receipt[id]").forEach(function (span) {
          const shown = document.getElementById(span.id);
          if (shown) shown.replaceWith(span);
        });
      })
      .catch(() => {});
  }, 400);

  // ------------------------------------------------------------ read marks
  let seen = 0;
  let reported = 0;
  let told = 0; // the furthest mark this page has sent: its answer brings the badge
  // A report sent while the page is being left may never arrive: browsers may drop it with
  // the page. So it waits in localStorage until the server has answered, and the next page
  // sends it again (resendReads). Read marks only move forward: a second copy changes nothing.
  const pendingKey = "wave-read-pending-" + me;
  function postRead(url, upto, leaving) {
    const data = new FormData();
    data.append("message_id", upto);
    data.append("csrf_token", csrf());
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: Object.assign({ "X-CSRFToken": csrf() }, HX),
      keepalive: leaving, // still delivered when the page is being left, mostly
    })
      .then(function (r) {
        // 200: stored. Another 4xx (no longer in the chat, say) will not change on a retry.
        const settled = r.ok || (r.status >= 400 && r.status < 500);
        if (settled) {
          const pending = load(pendingKey, {});
          if (pending[url] !== undefined && pending[url] <= upto) {
            delete pending[url];
            store(pendingKey, Object.keys(pending).length ? pending : null);
          }
        }
        return r.ok ? r.json() : null;
      })
      .then(function (answer) {
        if (answer) showBadge(answer.total); // the badge after this mark: no request for it
        return answer !== null;
      });
  }
  function sendRead(leaving) {
    if (seen <= reported) return;
    const upto = seen;
    const url = chat.dataset.readUrl;
    if (leaving) {
      const pending = load(pendingKey, {});
      pending[url] = Math.max(pending[url] || 0, upto);
      store(pendingKey, pending);
    }
    told = Math.max(told, upto);
    postRead(url, upto, leaving)
      .then(function (ok) {
        if (ok) reported = Math.max(reported, upto);
      })
      .catch(() => {});
  }
  function resendReads() {
    const pending = load(pendingKey, {});
    Object.keys(pending).forEach(function (url) {
      postRead(url, pending[url], false).catch(() => {});
    });
  }
  const report = debounce(function () {
    if (visible()) sendRead(false);
  }, 600);
  // What is on screen now. The observer reports in its own time (after a frame, and not at
  // all while the page is hidden), so leaving reads the screen itself.
  function onScreen() {
    const items = list.querySelectorAll("li.message[data-id]");
    for (let i = items.length - 1; i >= 0; i--) {
      const box = items[i].getBoundingClientRect();
      if (box.top < window.innerHeight && box.bottom > 0 && box.height > 0) {
        seen = Math.max(seen, Number(items[i].dataset.id));
        return;
      }
    }
  }
  function leaving() {
    onScreen();
    sendRead(true);
  }
  // Leaving the chat (another page, the phone locked) before the pause ends still tells the
  // server what was read: the unread badge elsewhere must not count it again.
  window.addEventListener("pagehide", function () {
    if (chat) leaving();
  });
  document.addEventListener("visibilitychange", function () {
    if (chat && !visible()) leaving();
  });
  const observer =
    chat && "IntersectionObserver" in window
      ? new IntersectionObserver(function (entries) {
          entries.forEach(function (entry) {
            if (entry.isIntersecting) seen = Math.max(seen, Number(entry.target.dataset.id));
          });
          report();
        })
      : null;

  // ------------------------------------------------------------ typing
  let typingTimer = null;
  function showTyping(name) {
    const line = document.getElementById("typing");
    if (!line) return;
    line.textContent = name ? line.dataset.text.replace("{name}", name) : "";
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => (line.textContent = ""), 5000);
  }
  let typedAt = 0;
  function typed() {
    if (Date.now() - typedAt < 3000 || !socket.connected) return;
    typedAt = Date.now();
    socket.emit("typing", { thread_id: Number(chat.dataset.threadId) });
  }

  // ------------------------------------------------------------ compose and outbox
  // A message leaves the compose box for the outbox at once; it stays there (and in
  // localStorage, its text) until the server has it, and is resent with the same client_id
  // after a failure, so nothing typed is lost and a resend never makes a second message.
  // Kept per person: a phone shared by a shift shows nobody else's draft, and sends nobody
  // else's waiting messages or read marks under the name of whoever signed in next.
  const outboxKey = chat && "wave-outbox-" + me + "-" + chat.dataset.threadId;
  const draftKey = chat && "wave-draft-" + me + "-" + chat.dataset.threadId;
  const files = new Map(); // client_id → the File objects chosen (not kept across a reload)
  let outbox = [];
  let flushing = false;
  let retryDelay = 2000;
  let retryTimer = null;

  function newClientId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function store(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) {
      // Private mode or full storage: the outbox still lives in memory.
    }
  }
  function load(key, fallback) {
    try {
      return JSON.parse(localStorage.getItem(key)) || fallback;
    } catch (e) {
      return fallback;
    }
  }
  function saveOutbox() {
    store(outboxKey, outbox.length ? outbox : null);
  }

  function composeForm() {
    return document.getElementById("compose");
  }

  function pendingText(state) {
    const box = document.getElementById("outbox");
    return box.dataset[state] || "";
  }

  function showPending(entry, state) {
    const box = document.getElementById("outbox");
    let li = document.getElementById("pending-" + entry.client_id);
    if (!li) {
      li = document.createElement("li");
      li.id = "pending-" + entry.client_id;
      li.className = "message own pending";
      li.innerHTML = '<div class="bubble"><p class="body"></p><p class="meta"><span class="state"></span></p></div>';
      li.querySelector(".body").textContent =
        entry.body + (entry.photos ? (entry.body ? " " : "") + "📷×" + entry.photos : "");
      box.appendChild(li);
    }
    li.dataset.state = state;
    li.querySelector(".state").textContent = pendingText(state);
  }

  function dropPending(clientId) {
    const li = document.getElementById("pending-" + clientId);
    if (li) li.remove();
    const before = outbox.length;
    outbox = outbox.filter((entry) => entry.client_id !== clientId);
    if (outbox.length !== before) saveOutbox();
  }

  function queueCompose(form) {
    const text = form.elements.body.value;
    const chosen = Array.from(form.elements.photo.files || []);
    const tokens = form.elements.photo_tokens.value;
    if (!text.trim() && !chosen.length && !tokens) {
      form.elements.body.focus();
      return;
    }
    const entry = {
      client_id: form.elements.client_id.value || newClientId(),
      body: text,
      reply_to: form.elements.reply_to.value,
      tokens: tokens,
      photos: chosen.length + tokens.split(/\s+/).filter(Boolean).length,
    };
    files.set(entry.client_id, chosen);
    outbox.push(entry);
    saveOutbox();
    showPending(entry, "sending");
    resetCompose(form);
    scrollToEnd();
    flushOutbox();
  }

  function resetCompose(form) {
    form.elements.body.value = "";
    form.elements.photo.value = "";
    form.elements.photo_tokens.value = "";
    form.elements.client_id.value = newClientId();
    form.querySelectorAll(".error, .kept").forEach((el) => el.remove());
    form.querySelector(".previews").replaceChildren();
    cancelReply(form);
    store(draftKey, null);
  }

  async function flushOutbox() {
    if (!chat || flushing || !outbox.length) return;
    flushing = true;
    clearTimeout(retryTimer);
    try {
      while (outbox.length) {
        const entry = outbox[0];
        showPending(entry, "sending");
        const outcome = await send(entry);
        if (!outbox.includes(entry)) {
          files.delete(entry.client_id); // it arrived meanwhile (a catch-up brought it)
          continue;
        }
        if (outcome === "retry") {
          showPending(entry, "waiting");
          retryTimer = setTimeout(flushOutbox, retryDelay);
          retryDelay = Math.min(retryDelay * 2, 30000);
          return;
        }
        retryDelay = 2000;
        if (outcome === "done") dropPending(entry.client_id);
        files.delete(entry.client_id);
      }
    } finally {
      flushing = false;
    }
  }

  async function send(entry) {
    const form = composeForm();
    const data = new FormData();
    data.append("csrf_token", csrf());
    data.append("client_id", entry.client_id);
    data.append("body", entry.body);
    if (entry.reply_to) data.append("reply_to", entry.reply_to);
    if (entry.tokens) data.append("photo_tokens", entry.tokens);
    const chosen = files.get(entry.client_id) || [];
    chosen.forEach((file) => data.append("photo", file, file.name));
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), chosen.length ? 90000 : 20000);
    let r;
    try {
      r = await fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        signal: abort.signal,
        headers: Object.assign({ "X-CSRFToken": csrf() }, HX),
      });
    } catch (e) {
      return "retry"; // offline, or no answer: the server may have it; a resend is recognised
    } finally {
      clearTimeout(timer);
    }
    if (r.ok) {
      insertMessages(await r.text());
      return "done";
    }
    if (r.status === 422) {
      refused(entry, await r.text());
      return "done";
    }
    const redirect = r.headers.get("HX-Redirect");
    if (redirect) {
      location.href = redirect; // signed out: the text waits in localStorage
      return "retry";
    }
    if (r.headers.get("HX-Refresh")) {
      location.reload(); // an expired page: the text waits in localStorage
      return "retry";
    }
    if (r.status === 403 || r.status === 404) {
      showPending(entry, "refused");
      outbox = outbox.filter((e) => e !== entry);
      saveOutbox();
      return "kept";
    }
    return "retry";
  }

  // The server refused the message (422): it goes back into the compose box with the reason.
  function refused(entry, html) {
    dropPending(entry.client_id);
    const form = composeForm();
    const tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    const answer = tpl.content.querySelector("form#compose");
    if (!answer) return;
    if (!form.elements.body.value.trim() && !(form.elements.photo.files || []).length) {
      form.replaceWith(answer);
      htmx.process(answer);
      return;
    }
    form.elements.body.value = entry.body + "\n" + form.elements.body.value;
    answer.querySelectorAll(".error").forEach((p) => form.prepend(p));
  }

  // ------------------------------------------------------------ replies and photos
  function cancelReply(form) {
    form.elements.reply_to.value = "";
    const preview = form.querySelector(".reply-preview");
    preview.hidden = true;
    preview.querySelector(".reply-text").textContent = "";
  }

  document.addEventListener("click", function (evt) {
    if (!chat) return;
    const reply = evt.target.closest("a.reply[data-reply]");
    const cancel = evt.target.closest("#compose .cancel-reply");
    const edited = evt.target.closest("a.edited");
    const form = composeForm();
    if (reply) {
      evt.preventDefault();
      const source = document.getElementById("message-" + reply.dataset.reply);
      const text = source && source.querySelector(".bubble > .body");
      form.elements.reply_to.value = reply.dataset.reply;
      const preview = form.querySelector(".reply-preview");
      const strong = document.createElement("strong");
      strong.textContent = reply.dataset.author;
      preview.querySelector(".reply-text").replaceChildren(
        strong,
        " " + (text ? text.textContent.slice(0, 100) : "📷")
      );
      preview.hidden = false;
      const menu = reply.closest("details");
      if (menu) menu.open = false;
      form.elements.body.focus();
    } else if (cancel) {
      evt.preventDefault();
      cancelReply(form);
    } else if (edited) {
      const menu = edited.closest("li.message").querySelector("details.msg-actions");
      if (menu) menu.open = true;
    }
  });

  document.addEventListener("change", function (evt) {
    if (!chat || !evt.target.matches("#compose input[type=file]")) return;
    const previews = composeForm().querySelector(".previews");
    previews.replaceChildren();
    Array.from(evt.target.files || []).forEach(function (file) {
      const img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      img.onload = () => URL.revokeObjectURL(img.src);
      previews.appendChild(img);
    });
  });

  document.addEventListener("submit", function (evt) {
    if (!chat || evt.target.id !== "compose") return;
    evt.preventDefault();
    queueCompose(evt.target);
  });

  document.addEventListener("keydown", function (evt) {
    if (chat && evt.target.id === "compose-body" && evt.key === "Enter" && (evt.ctrlKey || evt.metaKey)) {
      evt.preventDefault();
      queueCompose(composeForm());
    }
  });

  const saveDraft = debounce(function () {
    const form = composeForm();
    if (form) store(draftKey, form.elements.body.value || null);
  }, 500);
  document.addEventListener("input", function (evt) {
    if (!chat || evt.target.id !== "compose-body") return;
    saveDraft();
    typed();
  });

  // ------------------------------------------------------------ socket events
  const isOpen = (data) => chat && String(data.thread_id) === chat.dataset.threadId;
  let connectedBefore = false;

  socket.on("connect", function () {
    // Whatever came since the page was drawn, or during a drop, without a reload.
    catchUp();
    if (connectedBefore) {
      refreshBadge();
      refreshList();
      if (chat) refreshReceipts();
    }
    connectedBefore = true;
    retryDelay = 2000;
    flushOutbox();
  });
  socket.on("chat-message-posted", function (data) {
    // A message coming into the chat one is looking at is read in a moment, and that read
    // mark refreshes the badge: asking now as well would cost every reader a request.
    if (!(isOpen(data) && live && visible() && nearBottom())) refreshBadge();
    refreshList();
    if (isOpen(data)) {
      showTyping(null); // whoever was typing has sent it
      showPosted(data);
    }
  });
  socket.on("chat-message-changed", function (data) {
    refreshList();
    if (!isOpen(data)) return;
    if (data.reactions) showReactions(data);
    else refreshMessage(data.message_id);
  });
  socket.on("chat-read", function (data) {
    if (String(data.user_id) === me) {
      // One's own counts changed (on every device; this page's own mark brings the badge in
      // its answer). Someone else's read changes only the receipts under one's own
      // messages: every reader's mark used to refresh everyone's.
      if (!(isOpen(data) && Number(data.message_id) <= told)) refreshBadge();
      refreshList();
    } else if (isOpen(data) && list.querySelector("li.message.own")) {
      refreshReceipts();
    }
  });
  socket.on("chat-added", function () {
    refreshBadge();
    refreshList();
  });
  socket.on("chat-muted", function () {
    refreshBadge();
    refreshList();
  });
  socket.on("chat-mentioned", showNotice);
  socket.on("chat-typing", function (data) {
    if (isOpen(data) && String(data.user_id) !== me) showTyping(data.name);
  });

  document.addEventListener("visibilitychange", function () {
    if (!visible()) return;
    // A phone waking up: the socket may not know yet that it was asleep.
    catchUp();
    refreshBadge();
    flushOutbox();
    report();
  });
  window.addEventListener("online", flushOutbox);

  document.addEventListener("htmx:load", (evt) => localTimes(evt.detail.elt));

  // ------------------------------------------------------------ start
  function start() {
    localTimes(document);
    resendReads();
    if (!chat) return;
    enhance(list);
    // After a reload the chosen photos are gone (files are not kept); photos the server had
    // already received (tokens) and the text are.
    outbox = load(outboxKey, [])
      .map((entry) => Object.assign(entry, { photos: (entry.tokens || "").split(/\s+/).filter(Boolean).length }))
      .filter((entry) => entry.body.trim() || entry.photos);
    saveOutbox();
    outbox.forEach((entry) => showPending(entry, "waiting"));
    const form = composeForm();
    const draft = load(draftKey, "");
    if (form && draft && !form.elements.body.value) form.elements.body.value = draft;
    const divider = document.getElementById("unread-divider");
    if (location.hash) {
      // the browser scrolls to the message
    } else if (divider) {
      divider.scrollIntoView({ block: "start" });
    } else {
      scrollToEnd();
    }
    flushOutbox();
  }

  // For tests and debugging: the socket and the outbox of this page.
  window.waveChat = { socket: socket, outbox: () => outbox.slice(), catchUp: catchUp };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
