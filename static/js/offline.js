// The offline outbox (docs/portal.md "Offline", docs/decisions.md "The outbox").
// Loaded by every page (base.html) and by the service worker (importScripts in static/sw.js): the
// queue and its replay below need no page; the part after `if (!self.document)` is the page's.
//
// A write of the work page (an htmx POST under /work-orders/) that cannot reach the server is kept
// in IndexedDB with the Idempotency-Key it was sent with (made on this device, one per action) and
// shown at once as "waiting to send". The queue is replayed in the order it was made: on page load,
// on `online`, every 30 s while something waits, and on Background Sync where the browser has it;
// a fresh CSRF token is fetched first. The server's answer decides:
// - 2xx: sent (a repeat of a key the server has seen gets the first answer and changes nothing);
// - 4xx: refused; kept with the server's reason until the technician fixes or drops it;
// - the login page, 401: the session ended; everything is kept until the same user logs in again;
// - no network, 429, 5xx: the replay stops there and tries again later, order kept.
(function (root) {
  "use strict";

  var DB_NAME = "maintainpro-outbox";
  var STORE = "actions";
  var TOKEN_URL = "/outbox/token";
  var LOCK = "maintainpro-outbox";

  function request(idbRequest) {
    return new Promise(function (resolve, reject) {
      idbRequest.onsuccess = function () { resolve(idbRequest.result); };
      idbRequest.onerror = function () { reject(idbRequest.error); };
    });
  }

  function openDb() {
    var opening = root.indexedDB.open(DB_NAME, 1);
    opening.onupgradeneeded = function () {
      // Version 1's layout; later versions only add (a new worker may take over mid-queue).
      opening.result.createObjectStore(STORE, {keyPath: "seq", autoIncrement: true});
    };
    return request(opening);
  }

  // One store operation in its own transaction; resolves once the transaction has committed.
  function inStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result;
        request(work(tx.objectStore(STORE))).then(function (value) { result = value; }, reject);
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all() { return inStore("readonly", function (s) { return s.getAll(); }); }
  function add(action) { return inStore("readwrite", function (s) { return s.add(action); }); }
  function put(action) { return inStore("readwrite", function (s) { return s.put(action); }); }
  function remove(seq) { return inStore("readwrite", function (s) { return s.delete(seq); }); }

  // An Idempotency-Key made on the device (random, 128 bits). getRandomValues also works on plain
  // http, where randomUUID does not exist.
  function newKey() {
    var bytes = new Uint8Array(16);
    root.crypto.getRandomValues(bytes);
    return "dev-" + Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  // The words of a refusal, from the fragment the server answered (the field error, the alert, or
  // the error box), as plain text.
  function reasonOf(status, html) {
    var patterns = [/<p class="error"[^>]*>([\s\S]*?)<\/p>/, /role="alert"[^>]*>([\s\S]*?)<\//,
                    /<section class="error-box"[\s\S]*?<p>([\s\S]*?)<\/p>/];
    for (var i = 0; i < patterns.length; i++) {
      var found = patterns[i].exec(html || "");
      var text = found && found[1].replace(/<[^>]*>/g, " ").replace(/&amp;/g, "&").replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/\s+/g, " ").trim();
      if (text) { return text; }
    }
    return "The server refused this change (" + status + ").";
  }

  function withLock(work) {
    var locks = root.navigator && root.navigator.locks;
    return locks ? locks.request(LOCK, work) : work();
  }

  function send(action, token) {
    var hasFile = action.fields.some(function (f) { return typeof f[1] !== "string"; });
    var body = hasFile ? new FormData() : new URLSearchParams();
    action.fields.forEach(function (f) { body.append(f[0], f[0] === "csrf_token" ? token : f[1]); });
    return root.fetch(action.url, {
      method: action.method, body: body, credentials: "same-origin", cache: "no-store",
      // HX-Request: answered like the page's own request (a fragment, no redirect).
      headers: {"X-CSRFToken": token, "Idempotency-Key": action.key, "HX-Request": "true",
                "Device-Time": action.deviceTime || action.queuedAt}
    });
  }

  function endedSession(resp) {
    return resp.status === 401 || (resp.redirected && /\/login(\?|$)/.test(new URL(resp.url).pathname + "?"));
  }

  // Send what waits, oldest first. Resolves {sent, refused, stopped} (stopped: "network", "login",
  // "server" or null); never rejects for a network failure.
  function replay() {
    return withLock(function () {
      return all().then(function (actions) {
        var due = actions.filter(function (a) { return a.state !== "refused"; });
        var result = {sent: 0, refused: 0, stopped: null};
        if (!due.length) { return result; }
        return root.fetch(TOKEN_URL, {credentials: "same-origin", cache: "no-store"}).then(function (resp) {
          var json = (resp.headers.get("Content-Type") || "").indexOf("json") !== -1;
          if (endedSession(resp) || !json) { return null; }
          return resp.json();
        }).then(function (session) {
          if (!session) {
            result.stopped = "login";
            return Promise.all(due.map(function (a) { a.state = "login"; return put(a); })).then(function () { return result; });
          }
          // Only the user who made an action sends it (another login on this device waits).
          var mine = due.filter(function (a) { return a.user === session.user || !a.user; });
          var next = function (i) {
            if (i >= mine.length) { return result; }
            var action = mine[i];
            return send(action, session.csrfToken).then(function (resp) {
              if (endedSession(resp)) { result.stopped = "login"; action.state = "login"; return put(action); }
              if (resp.ok) { result.sent++; return remove(action.seq).then(function () { return next(i + 1); }); }
              if (resp.status === 429 || resp.status >= 500) { result.stopped = "server"; return null; }
              return resp.text().then(function (html) {
                result.refused++;
                action.state = "refused";
                action.status = resp.status;
                action.reason = reasonOf(resp.status, html);
                action.refusedAt = new Date().toISOString();
                return put(action).then(function () { return next(i + 1); });
              });
            }, function () { result.stopped = "network"; return null; });
          };
          return next(0);
        }, function () { result.stopped = "network"; return result; });
      }).then(function (outcome) { return outcome || {stopped: "network"}; });
    });
  }

  root.MaintainProOutbox = {all: all, add: add, put: put, remove: remove, replay: replay, newKey: newKey, reasonOf: reasonOf};

  if (!root.document) { return; }  // ---- below: the page's part ----------------------------------

  var document = root.document;
  var Outbox = root.MaintainProOutbox;
  var script = document.currentScript;
  var QUEUED_PATH = /^\/work-orders\/[^/]+\/.+/;
  var RETRY_MS = 30000;
  var REFRESH_EVERY_MS = 120000;
  var retryTimer = null;

  function whenText(iso) {
    return new Date(iso).toLocaleString([], {day: "numeric", month: "short", hour: "2-digit", minute: "2-digit"});
  }

  // Worker: registered at the root so its scope is the whole portal; /sw.js changes with every release.
  var worker = null;
  if ("serviceWorker" in navigator && script && script.getAttribute("data-worker")) {
    worker = navigator.serviceWorker.register(script.getAttribute("data-worker"), {scope: "/"})
      .then(function () { return navigator.serviceWorker.ready; })
      .catch(function () { return null; });
    navigator.serviceWorker.addEventListener("message", function (evt) {
      var type = evt.data && evt.data.type;
      if (type === "refreshed") {
        document.documentElement.setAttribute("data-device-copy-at", evt.data.at);
        document.documentElement.setAttribute("data-device-copy-pages", String(evt.data.kept));
      } else if (type === "outbox-changed") {
        show();
      }
    });
  }

  function loggedIn() { return !!document.getElementById("outbox-count"); }

  // Ask the worker to refresh what the device keeps: on a full page load while online, at most
  // every 2 minutes (each is a few page fetches).
  function refreshKept() {
    if (!worker || !loggedIn() || !navigator.onLine) { return; }
    var last = Number(root.sessionStorage.getItem("mp-kept-at") || 0);
    if (Date.now() - last < REFRESH_EVERY_MS) { return; }
    root.sessionStorage.setItem("mp-kept-at", String(Date.now()));
    worker.then(function (reg) { if (reg && reg.active) { reg.active.postMessage({type: "refresh"}); } });
  }

  // Every htmx write carries its own key from the start: if the answer is lost on the way, the
  // queued copy is sent with the same key and the server does not do it twice.
  document.addEventListener("htmx:configRequest", function (evt) {
    if (evt.detail.verb !== "get" && !evt.detail.headers["Idempotency-Key"]) {
      evt.detail.headers["Idempotency-Key"] = Outbox.newKey();
      // When it was done, by this device's clock: a tick or a timer queued offline keeps its time
      // (the server believes it within bounds, portal/services/work_orders/device_time.py).
      evt.detail.headers["Device-Time"] = new Date().toISOString();
    }
  });

  function labelOf(item) {
    var label = item.querySelector("label span, label");
    var text = label ? label.textContent : "";
    return text.replace(/\brequired\b/, "").replace(/\s+/g, " ").trim();
  }

  // Words for the outbox: what the technician did, as they would say it.
  function describe(elt, fields, submitter) {
    var get = function (name) {
      var last = null;
      fields.forEach(function (f) { if (f[0] === name && typeof f[1] === "string") { last = f[1]; } });
      return last;
    };
    var item = elt.closest("li.check");
    if (item) {
      var what = labelOf(item);
      if (get("done") !== null && get("value") === null) { return (get("done") === "true" ? "Ticked: " : "Unticked: ") + what; }
      return what + ": " + (get("value") || "");
    }
    if (elt.closest("#wo-comments")) { return "Comment: " + (get("body") || "").slice(0, 120); }
    var button = submitter || elt.querySelector("button[type=submit], button:not([type])");
    var words = button ? button.textContent.replace(/\s+/g, " ").trim() : "";
    return words || "Change to the work order";
  }

  function anchorOf(elt) {
    var holder = elt.closest("li.check, section[id], #wo-bar") || elt.closest("[id]");
    return holder ? holder.id : null;
  }

  function markQueued(action, holder) {
    if (!holder) { return; }
    var form = holder.matches("form") ? holder : (holder.querySelector("form") || holder);
    var note = form.querySelector('[data-queued-key="' + action.key + '"]');
    if (!note) {
      note = document.createElement("p");
      note.className = "queued";
      note.setAttribute("role", "status");
      note.setAttribute("data-queued-key", action.key);
      form.appendChild(note);
    }
    note.textContent = (action.state === "refused" ? "Refused: " + action.reason : "Waiting to send") + " · " + action.summary;
    if (holder.matches("li.check")) {
      var done = null;
      action.fields.forEach(function (f) { if (f[0] === "done") { done = f[1]; } });
      var box = holder.querySelector('input[type=checkbox][name="done"]');
      var state = holder.querySelector(".check-state");
      if (box && done !== null) {
        box.checked = done === "true";
        // Not "Not done yet" under a ticked box: what the device holds, in words.
        if (state && action.state !== "refused") { state.textContent = box.checked ? "Ticked on this device" : "Unticked on this device"; }
      }
    }
  }

  // Called by portal.js's htmx:sendError listener: true when the failed request was queued (then
  // portal.js shows no "no connection" toast: the change is not lost).
  Outbox.takes = function (evt) {
    var config = evt.detail.requestConfig;
    var verb = config && config.verb;
    if (!config || verb === "get") { return false; }
    var url = new URL(config.path, root.location.href);
    if (url.origin !== root.location.origin || !QUEUED_PATH.test(url.pathname)) { return false; }
    var fields = [];
    config.formData.forEach(function (value, name) { fields.push([name, value]); });
    var elt = evt.detail.elt;
    var submitter = config.triggeringEvent && config.triggeringEvent.submitter;
    var head = document.querySelector("#wo-head h1");
    var holderId = anchorOf(elt);
    var action = {
      key: config.headers["Idempotency-Key"] || Outbox.newKey(),
      deviceTime: config.headers["Device-Time"] || new Date().toISOString(),
      user: null,
      method: verb.toUpperCase(), url: url.pathname + url.search, fields: fields,
      summary: describe(elt, fields, submitter),
      workOrder: {url: root.location.pathname, label: head ? head.textContent.replace(/\s+/g, " ").trim() : document.title},
      anchor: holderId, page: root.location.pathname, state: "waiting", queuedAt: new Date().toISOString()
    };
    var form = elt.closest("form");
    if (form) { form.removeAttribute("data-dirty"); }
    if (elt.closest("#wo-comments")) {
      var text = elt.closest("#wo-comments").querySelector("textarea");
      if (text) { text.value = ""; }
    }
    markQueued(action, holderId ? document.getElementById(holderId) : null);
    userOf().then(function (user) {
      action.user = user;
      return Outbox.add(action);
    }).then(function () {
      show();
      if (worker) {
        worker.then(function (reg) { return reg && reg.sync && reg.sync.register("outbox"); }).catch(function () {});
      }
      armRetry();
    });
    return true;
  };

  // Who is logged in on this page: the queue belongs to them.
  function userOf() {
    var count = document.getElementById("outbox-count");
    return Promise.resolve(count ? count.getAttribute("data-user") : null);
  }

  // ---- what the page shows ------------------------------------------------------------------
  function show() {
    return Outbox.all().then(function (actions) {
      var count = document.getElementById("outbox-count");
      var waiting = actions.filter(function (a) { return a.state !== "refused"; }).length;
      var refused = actions.length - waiting;
      if (count) {
        var parts = [];
        if (waiting) { parts.push(waiting === 1 ? "1 change waiting" : waiting + " changes waiting"); }
        if (refused) { parts.push(refused === 1 ? "1 change refused" : refused + " changes refused"); }
        count.textContent = parts.join(" · ");
        count.hidden = !parts.length;
        count.classList.toggle("has-refused", refused > 0);
      }
      // Notes beside what is still waiting on this page; gone once sent.
      var keys = {};
      actions.forEach(function (a) {
        keys[a.key] = true;
        if (a.page === root.location.pathname && a.anchor) { markQueued(a, document.getElementById(a.anchor)); }
      });
      document.querySelectorAll("[data-queued-key]").forEach(function (note) {
        if (!keys[note.getAttribute("data-queued-key")]) { note.remove(); }
      });
      renderOutbox(actions);
      if (waiting) { armRetry(); }
      return actions;
    });
  }

  function button(label, attr, value, secondary) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button" + (secondary ? " secondary" : "");
    b.textContent = label;
    b.setAttribute(attr, value);
    return b;
  }

  function renderOutbox(actions) {
    var list = document.getElementById("outbox-list");
    var summary = document.getElementById("outbox-summary");
    if (!list || !summary) { return; }
    list.textContent = "";
    var waiting = actions.filter(function (a) { return a.state !== "refused"; }).length;
    var refused = actions.length - waiting;
    summary.textContent = !actions.length ? "Nothing waiting: everything done on this device has been sent."
      : waiting + " waiting to send, " + refused + " refused by the server.";
    actions.forEach(function (a) {
      var li = document.createElement("li");
      li.className = "outbox-item " + a.state;
      li.id = "outbox-" + a.seq;
      var what = document.createElement("p");
      what.className = "outbox-what";
      var strong = document.createElement("strong");
      strong.textContent = a.summary;
      var link = document.createElement("a");
      link.href = a.workOrder.url;
      link.textContent = a.workOrder.label;
      what.append(strong, " · ", link);
      var state = document.createElement("p");
      state.className = "outbox-state";
      if (a.state === "refused") {
        state.textContent = "Refused: " + a.reason;
      } else if (a.state === "login") {
        state.textContent = "Waiting: log in again to send it (kept on this device).";
      } else {
        state.textContent = "Waiting to send · made " + whenText(a.queuedAt);
      }
      li.append(what, state);
      if (a.state === "refused") {
        var actionsBox = document.createElement("p");
        actionsBox.className = "outbox-actions";
        var fix = document.createElement("a");
        fix.className = "button secondary";
        fix.href = a.workOrder.url;
        fix.textContent = "Fix on the work order";
        actionsBox.append(fix, button("Send again", "data-outbox-retry", a.seq, true),
                          button("Drop this change", "data-outbox-drop", a.seq, true));
        li.append(actionsBox);
      }
      list.append(li);
    });
  }

  function replayNow() {
    if (!loggedIn()) { return Promise.resolve(); }
    return Outbox.replay().then(show, show);
  }

  function armRetry() {
    if (retryTimer) { return; }
    retryTimer = root.setTimeout(function () { retryTimer = null; replayNow(); }, RETRY_MS);
  }

  document.addEventListener("click", function (evt) {
    var target = evt.target.closest && evt.target.closest("[data-outbox-send], [data-outbox-drop], [data-outbox-retry]");
    if (!target) { return; }
    if (target.hasAttribute("data-outbox-send")) { replayNow(); return; }
    var seq = Number(target.getAttribute("data-outbox-drop") || target.getAttribute("data-outbox-retry"));
    Outbox.all().then(function (actions) {
      var action = actions.filter(function (a) { return a.seq === seq; })[0];
      if (!action) { return null; }
      if (target.hasAttribute("data-outbox-drop")) { return Outbox.remove(seq); }
      // Sent again as a new request: the refused one's key has its answer on the server.
      action.state = "waiting";
      action.key = Outbox.newKey();
      delete action.reason;
      return Outbox.put(action).then(replayNow);
    }).then(show);
  });

  // Logging out forgets the pages kept for reading (not the queue: it is sent after the next login).
  document.addEventListener("submit", function (evt) {
    var action = evt.target.getAttribute && evt.target.getAttribute("action");
    if (action && /\/logout$/.test(action)) {
      if (worker) { worker.then(function (reg) { if (reg && reg.active) { reg.active.postMessage({type: "forget"}); } }); }
    }
  }, true);

  root.addEventListener("online", replayNow);
  // A boosted navigation brings another page: its notes and, on the outbox, its list.
  document.addEventListener("htmx:afterSettle", function (evt) {
    if (evt.detail && evt.detail.boosted) { show(); }
  });

  show();
  replayNow();
  refreshKept();
})(self);
