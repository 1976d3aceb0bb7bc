// Staff app: live updates over Socket.IO become htmx refreshes of what is on screen.
(function () {
  "use strict";
  const body = document.body;

  if ("serviceWorker" in navigator && body.dataset.sw) {
    navigator.serviceWorker.register(body.dataset.sw, { scope: "/" }).catch(() => {});
  }
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

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !socket.connected) socket.connect();
  });
})();
