// Web Push on this device: the "This device" switch on the notification settings page.
// The service worker (sw.js, registered by staff.js) shows the pushes.
(function () {
  "use strict";
  const box = document.getElementById("push-device");
  if (!box) return;
  const status = box.querySelector("[data-push-status]");
  const onButton = box.querySelector("[data-push-on]");
  const offButton = box.querySelector("[data-push-off]");
  const msg = box.dataset;

  function say(text) { status.textContent = text; }
  function show(on, off) { onButton.hidden = !on; offButton.hidden = !off; }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; }
    catch (e) { return ""; }
  }

  // Answers with an error to tell, or null when the server took it.
  async function post(url, data) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(data),
    });
    if (response.redirected) return msg.msgSignedOut;  // the sign-in page answered
    if (response.ok) return null;
    const answer = await response.json().catch(() => ({}));
    return answer.error || msg.msgFailed;
  }

  function keyBytes(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  // A device row on the page is this browser's subscription, known to the server for me.
  function listed(subscription) {
    let found = false;
    document.querySelectorAll("#push-devices [data-endpoint]").forEach((row) => {
      const mine = subscription !== null && row.dataset.endpoint === subscription.endpoint;
      row.querySelector("[data-this-device]").hidden = !mine;
      found = found || mine;
    });
    return found;
  }

  const supported = window.isSecureContext && "serviceWorker" in navigator &&
    "PushManager" in window && "Notification" in window;

  // A phone without a way to its push service can wait forever; the person gets an answer.
  function within(promise, ms) {
    const late = new Promise((resolve, reject) => setTimeout(() => reject(new Error("timeout")), ms));
    return Promise.race([promise, late]);
  }

  function registration() {
    return within(navigator.serviceWorker.ready, 15000);  // staff.js registers the worker
  }

  async function refresh() {
    if (!supported) { say(msg.msgUnsupported); show(false, false); return; }
    const reg = await registration();
    const subscription = await reg.pushManager.getSubscription();
    if (subscription && listed(subscription) && Notification.permission === "granted") {
      say(msg.msgOn); show(false, true);
    } else if (Notification.permission === "denied") {
      say(msg.msgDenied); show(false, false);
    } else {
      say(msg.msgOff); show(true, false);
    }
  }

  async function turnOn() {
    say(msg.msgWorking); show(false, false);
    const permission = await Notification.requestPermission();
    if (permission !== "granted") { say(permission === "denied" ? msg.msgDenied : msg.msgOff); show(permission !== "denied", false); return; }
    const reg = await registration();
    const response = await fetch(box.dataset.keyUrl, { credentials: "same-origin" });
    if (response.redirected || !response.ok) throw new Error(msg.msgSignedOut);
    const key = (await response.json()).key;
    let subscription = await reg.pushManager.getSubscription();
    if (subscription) {
      // Made with another server key (a restored database): the push service would refuse us.
      const current = subscription.options && subscription.options.applicationServerKey;
      const same = current && btoa(String.fromCharCode(...new Uint8Array(current)))
        .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "") === key;
      if (!same) { await subscription.unsubscribe(); subscription = null; }
    }
    if (!subscription) {
      const options = { userVisibleOnly: true, applicationServerKey: keyBytes(key) };
      subscription = await within(reg.pushManager.subscribe(options), 30000);
    }
    const error = await post(box.dataset.subscribeUrl, subscription.toJSON());
    if (error) { say(error); show(true, false); return; }
    window.location.reload();  // the list of devices now has this one
  }

  async function turnOff() {
    say(msg.msgWorking); show(false, false);
    const reg = await registration();
    const subscription = await reg.pushManager.getSubscription();
    if (subscription) {
      const endpoint = subscription.endpoint;
      await subscription.unsubscribe();
      await post(box.dataset.unsubscribeUrl, { endpoint: endpoint });
    }
    window.location.reload();
  }

  function failed(error) {
    say((error && error.message && error.message === msg.msgSignedOut) ? msg.msgSignedOut : msg.msgFailed);
    show(true, false);
  }
  onButton.addEventListener("click", () => { turnOn().catch(failed); });
  offButton.addEventListener("click", () => { turnOff().catch(failed); });
  refresh().catch(() => { say(msg.msgFailed); show(true, false); });
})();
