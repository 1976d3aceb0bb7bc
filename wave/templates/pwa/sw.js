// Wave service worker: keeps the app shell for a flaky network and shows an offline page.
const CACHE = "{{ version }}";
const SHELL = {{ shell|tojson }};
const OFFLINE = {{ url_for('pwa.offline')|tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/socket.io/")) return;
  if (request.mode === "navigate") {
    // Pages are always fresh from the network; the offline page stands in when there is none.
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE)));
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});

// Web Push: a notification the server sent (wave/notify/push.py) while Wave may be closed.
const ICON = {{ url_for('static', filename='icons/icon-192.png')|tojson }};
const START = {{ url_for('requests.inbox')|tojson }};
const GENERIC = {{ _('You have a new notification in Wave.')|tojson }};

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = {};
  }
  const options = { body: data.body || GENERIC, icon: ICON, data: { url: data.url || START } };
  if (data.tag) {
    // A newer push about the same request replaces the older one, and still buzzes.
    options.tag = data.tag;
    options.renotify = true;
  }
  event.waitUntil(self.registration.showNotification(data.title || "Wave", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  let target = new URL((event.notification.data && event.notification.data.url) || START, self.location.origin);
  if (target.origin !== self.location.origin) target = new URL(START, self.location.origin);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const there = windows.find((w) => w.url === target.href);
      if (there) return there.focus();
      const open = windows.find((w) => "navigate" in w);
      if (open) {
        // Focus first: the click's permission to raise a window does not outlast navigation.
        return open.focus()
          .then((w) => (w || open).navigate(target.href))
          .catch(() => self.clients.openWindow(target.href));
      }
      return self.clients.openWindow(target.href);
    })
  );
});
