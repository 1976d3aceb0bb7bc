// Staff app: live updates over Socket.IO become htmx refreshes of what is on screen.
(function () {
  "use strict";
  const body = document.body;

  if ("serviceWorker" in navigator && body.dataset.sw) {
    navigator.serviceWorker.register(body.dataset.sw, { scope: "/" }).catch(() => {});
  }
  // What a page asks for in data-* attributes: the CSP allows no inline script or hx-on.
  document.addEventListener("click", function (evt) {
    if (evt.target.closest("[data-print]")) window.print();
  });
  document.addEventListener("keydown", function (evt) {
    const input = evt.target.closest && evt.target.closest("[data-search-on-enter]");
    if (!input || evt.key !== "Enter") return;
    evt.preventDefault(); // a search box, not the form's submit
    htmx.trigger(input, "search");
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    const form = evt.detail.elt;
    if (!form.matches("form[data-reset-on-success]") || evt.detail.xhr.status >= 300) return;
    form.reset(); // sent: an empty box, and a new client id for the next message
    if (form.elements.client_id) form.elements.client_id.value = Date.now() + "-" + Math.random();
  });

  if (!body.dataset.live || typeof io === "undefined") return;

  const socket = io({ transports: ["websocket", "polling"] });
  let seenConnect = false;

  function refresh(data) {
    htmx.trigger(body, "wave:request", data || {});
    if (data && data.id) htmx.trigger(body, "wave:request-" + data.id, data);
  }

  socket.on("connect", function () {
    body.classList.remove("offline");
    // After a drop or a sleeping phone: fetch what changed meanwhile.
    if (seenConnect) {
      htmx.trigger(body, "wave:request", {});
      htmx.trigger(body, "wave:notification", {});
      const panel = document.getElementById("request-panel");
      if (panel) htmx.trigger(panel, "wave:refresh");
    }
    seenConnect = true;
    body.dataset.socket = "connected";
  });
  socket.on("disconnect", function () {
    body.classList.add("offline");
    body.dataset.socket = "disconnected";
  });
  socket.on("request-created", refresh);
  socket.on("request-changed", refresh);

  // The bell: its count follows, and a new notification shows as a notice for a while.
  socket.on("notification-added", function (data) {
    htmx.trigger(body, "wave:notification", data || {});
    const box = document.getElementById("chat-notices");
    if (!box || !data || !data.id) return;
    fetch(body.dataset.notificationsUrl + "/" + encodeURIComponent(data.id) + "/notice",
          { credentials: "same-origin", headers: { "HX-Request": "true" } })
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
  });
  socket.on("notification-read", function () { htmx.trigger(body, "wave:notification", {}); });

  // A live refresh must not wipe what someone is typing into the request panel: while one of
  // its forms is open or focused the refresh waits, and runs once the form is closed or left.
  function busy(panel) {
    const focused = document.activeElement;
    const typing = focused && panel.contains(focused) && focused.matches("input, textarea, select");
    return typing || panel.querySelector("details[open]") !== null;
  }
  document.addEventListener("htmx:confirm", function (evt) {
    const panel = evt.detail.elt;
    const trigger = evt.detail.triggeringEvent;
    if (panel.id !== "request-panel" || !trigger || !trigger.type.startsWith("wave:")) return;
    if (busy(panel)) {
      evt.preventDefault();
      panel.dataset.stale = "1";
    }
  });
  function refreshIfStale() {
    const panel = document.getElementById("request-panel");
    if (panel && panel.dataset.stale && !busy(panel)) {
      delete panel.dataset.stale;
      htmx.trigger(panel, "wave:refresh");
    }
  }
  document.addEventListener("toggle", function () { setTimeout(refreshIfStale, 0); }, true);
  document.addEventListener("focusout", function () { setTimeout(refreshIfStale, 0); });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !socket.connected) socket.connect();
  });
})();
