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
  var PART_SEARCH = /^\/work-orders\/[^/]+\/parts\/search$/;
  var STATUS_WORDS = {"new": "New", "assigned": "Assigned", "in_progress": "In progress", "on_hold": "On hold",
                      "completed": "Completed", "cancelled": "Cancelled"};
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
      .then(function (reg) {
        // A release reaches the device on its next page load: the worker's bytes are compared now
        // (the browser alone may wait up to a day); offline, the check fails and the old one stays.
        if (navigator.onLine) { reg.update().catch(function () {}); }
        return navigator.serviceWorker.ready;
      })
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
    if (item && elt.closest(".follow-up")) { return "Follow-up work order for: " + labelOf(item); }
    if (item) {
      var what = labelOf(item);
      if (get("done") !== null && get("value") === null) { return (get("done") === "true" ? "Ticked: " : "Unticked: ") + what; }
      return what + ": " + (get("value") || "");
    }
    if (elt.closest("#wo-comments")) { return "Comment: " + (get("body") || "").slice(0, 120); }
    if (elt.matches("button.ask")) { return elt.getAttribute("aria-label") || elt.textContent.trim(); }
    if (elt.closest("#parts") && get("partId")) {
      var radio = document.querySelector('#part-options input[name="partId"][value="' + CSS.escape(get("partId")) + '"]');
      var pn = radio && radio.closest("label") && radio.closest("label").querySelector(".pn");
      return "Part used: " + (pn ? pn.textContent.trim() : "a part") + " × " + (get("quantityUsed") || "1");
    }
    var photo = fields.filter(function (f) { return typeof f[1] !== "string"; })[0];
    if (photo) { return "Photo: " + (photo[1].name || "from the camera"); }
    var button = submitter || elt.querySelector("button[type=submit], button:not([type])");
    var words = button ? button.textContent.replace(/\s+/g, " ").trim() : "";
    return words || "Change to the work order";
  }

  function anchorOf(elt, url) {
    // A status change (Start work, Complete, hold...) is said in the status bar, in view everywhere.
    if (/\/status$/.test(url) && document.getElementById("wo-bar")) { return "wo-bar"; }
    var holder = elt.closest("li.check, section[id], #wo-bar") || elt.closest("[id]");
    return holder ? holder.id : null;
  }

  function markQueued(action, holder) {
    if (!holder) { return; }
    // The bar's form may be replaced by what the device holds (Start work → Complete…): the note
    // goes in the bar itself.
    var form = holder.matches("form") || holder.id === "wo-bar" ? holder : (holder.querySelector("form") || holder);
    var note = form.querySelector('[data-queued-key="' + action.key + '"]');
    if (!note) {
      note = document.createElement("p");
      note.className = "queued";
      note.setAttribute("role", "status");
      note.setAttribute("data-queued-key", action.key);
      form.appendChild(note);
    }
    note.textContent = (action.state === "refused" ? "Refused: " + action.reason : "Waiting to send") + " · " + action.summary;
    var photo = action.fields.filter(function (f) { return typeof f[1] !== "string"; })[0];
    if (photo && root.URL && root.URL.createObjectURL) {
      // The photo itself, from the device (a blob: URL, allowed by the pages' img-src).
      var img = document.createElement("img");
      img.className = "queued-photo";
      img.alt = "";
      img.src = root.URL.createObjectURL(photo[1]);
      note.prepend(img);
    }
    if (holder.matches("li.check") && /\/follow-up$/.test(action.url) && action.state !== "refused") {
      var asked = holder.querySelector(".follow-up form");
      if (asked) { asked.remove(); }  // asked for once: the note says it waits
    }
    if (holder.matches("li.check")) {
      var reading = null;
      action.fields.forEach(function (f) { if (f[0] === "value") { reading = f[1]; } });
      if (reading !== null && action.state !== "refused") { judgeReading(holder, reading, action); }
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
    if (!config) { return false; }
    var url = new URL(config.path, root.location.href);
    if (verb === "get") { return url.origin === root.location.origin && PART_SEARCH.test(url.pathname) && pickFromDevice(); }
    if (url.origin !== root.location.origin || !QUEUED_PATH.test(url.pathname)) { return false; }
    var fields = [];
    config.formData.forEach(function (value, name) { fields.push([name, value]); });
    var elt = evt.detail.elt;
    var submitter = config.triggeringEvent && config.triggeringEvent.submitter;
    var head = document.querySelector("#wo-head h1");
    var holderId = anchorOf(elt, url.pathname);
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
    if (elt.closest("#wo-photos")) {
      var chosen = elt.closest("#wo-photos").querySelector("input[type=file]");
      if (chosen) { chosen.value = ""; }  // the next photo can be taken at once
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

  // ---- what the device holds, drawn on the work page -----------------------------------------
  function fieldOf(action, name) {
    var last = null;
    action.fields.forEach(function (f) { if (f[0] === name && typeof f[1] === "string") { last = f[1]; } });
    return last;
  }

  function clock(iso) {
    return new Date(iso).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
  }

  // A reading made here: out of the item's limits (or a Fail) is flagged on the device at once,
  // with the follow-up button (its tap is queued after the reading and sent after it).
  function judgeReading(li, reading, action) {
    li.classList.add("done");
    var type = li.getAttribute("data-type");
    var number = Number(String(reading).replace(",", "."));
    var min = li.getAttribute("data-min"), max = li.getAttribute("data-max");
    var out = type === "pass_fail" ? reading === "fail"
      : type === "measurement" && reading !== "" && !isNaN(number)
        && ((min !== null && number < Number(min)) || (max !== null && number > Number(max)));
    li.classList.toggle("flagged", !!out);
    var input = li.querySelector('input[name="value"]');
    if (input && !input.value && document.activeElement !== input) { input.value = reading; }  // a page read from the device
    var state = li.querySelector(".check-state");
    if (state) {
      state.textContent = out ? (type === "pass_fail" ? "Failed on this device" : "Out of range on this device: " + reading)
        : "Recorded on this device: " + reading;
    }
    var url = li.getAttribute("data-follow-up-url");
    var alreadyAsked = li.querySelector('[data-queued-key]') && Array.prototype.some.call(li.querySelectorAll("[data-queued-key]"),
      function (n) { return /^Waiting to send · Follow-up/.test(n.textContent); });
    if (!out || !url || alreadyAsked || li.querySelector(".follow-up form")) { return; }
    var box = li.querySelector(".follow-up") || document.createElement("div");
    box.className = "follow-up";
    box.id = li.id + "-follow-up";
    var form = document.createElement("form");
    form.method = "post";
    form.action = url;
    form.setAttribute("hx-post", url);
    form.setAttribute("hx-target", "#" + li.id);
    form.setAttribute("hx-swap", "outerHTML");
    var csrf = document.createElement("input");
    csrf.type = "hidden";
    csrf.name = "csrf_token";
    var meta = document.querySelector('meta[name="csrf-token"]');
    csrf.value = meta ? meta.getAttribute("content") : "";
    var go = document.createElement("button");
    go.type = "submit";
    go.className = "button follow-up-button";
    go.textContent = "Create a follow-up work order";
    form.append(csrf, go);
    box.append(form);
    if (!box.parentNode) { li.append(box); }
    if (root.htmx) { root.htmx.process(form); }
  }

  // The status bar: the status the queued changes lead to, and the next action after it.
  function showStatus(here) {
    var bar = document.getElementById("wo-bar");
    var tag = document.getElementById("wo-status");
    var last = here.filter(function (a) { return /\/status$/.test(a.url) && fieldOf(a, "status"); }).pop();
    if (!bar || !tag || !last) { return; }
    var status = fieldOf(last, "status");
    tag.textContent = STATUS_WORDS[status] || status;
    tag.classList.add("on-device");
    var start = bar.querySelector('form input[name="status"][value="in_progress"]');
    if (start) { start.closest("form").remove(); }
    var reveal = bar.querySelector("a[data-reveal]");
    if (status === "in_progress" && !reveal && document.getElementById("complete")) {
      reveal = document.createElement("a");
      reveal.className = "button";
      reveal.href = "#complete-form";
      reveal.setAttribute("data-reveal", "#complete");
      reveal.textContent = "Complete…";
      tag.closest(".wo-state").after(reveal);
    } else if (status !== "in_progress" && reveal) {
      reveal.remove();
    }
  }

  // Labor: the timer runs on the device from the moment Start was tapped (a start queued here),
  // and a Stop queued here says how much it books; both times travel with the actions (Device-Time).
  var ticking = null;
  function showTimer(here) {
    var form = document.querySelector("#labor form.timer");
    var labor = here.filter(function (a) { return /\/labor$/.test(a.url) && fieldOf(a, "action") !== "book"; });
    if (!form || !labor.length) { return; }
    var serverStart = form.querySelector(".running time");
    var since = serverStart ? serverStart.getAttribute("datetime") : null;
    var booked = null;
    labor.forEach(function (a) {
      var what = fieldOf(a, "action");
      var at = a.deviceTime || a.queuedAt;
      if (what === "start") { since = since || at; booked = null; }
      if (what === "stop" && since) { booked = Math.max(1, Math.ceil((Date.parse(at) - Date.parse(since)) / 60000)); since = null; }
      if (what === "discard") { since = null; booked = null; }
    });
    var keep = Array.prototype.filter.call(form.children, function (c) {
      return c.matches("input[type=hidden], [data-queued-key]");
    });
    form.textContent = "";
    keep.forEach(function (c) { form.append(c); });
    var line = document.createElement("p");
    line.setAttribute("role", "status");
    if (since) {
      line.className = "running";
      line.append("Timer running on this device since " + clock(since) + " · ");
      var elapsed = document.createElement("span");
      elapsed.className = "elapsed";
      elapsed.setAttribute("data-since", since);
      line.append(elapsed);
      form.prepend(line);
      form.append(timerButton("stop", "Stop timer and book", false), timerButton("discard", "Discard timer", true));
    } else {
      if (booked !== null) {
        var none = document.querySelector("#labor > p.empty");
        if (none) { none.hidden = true; }  // "No time booked yet": not true any more on this device
        line.className = "booked";
        line.textContent = "Stopped on this device: " + booked + " min, booked when sent";
        form.prepend(line);
      }
      form.append(timerButton("start", "Start timer", true));
    }
    tick();
    if (!ticking) { ticking = root.setInterval(tick, 1000); }
  }

  function timerButton(value, label, secondary) {
    var b = document.createElement("button");
    b.type = "submit";
    b.name = "action";
    b.value = value;
    b.className = "button" + (secondary ? " secondary" : "");
    b.textContent = label;
    return b;
  }

  function tick() {
    document.querySelectorAll("[data-since]").forEach(function (el) {
      var s = Math.max(0, Math.floor((Date.now() - Date.parse(el.getAttribute("data-since"))) / 1000));
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      el.textContent = Math.floor(s / 3600) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
    });
  }

  // "2 of 4 done" in the status bar, counted from the checklist as the device shows it.
  function showProgress() {
    var bar = document.getElementById("bar-progress");
    var items = document.querySelectorAll("#checklist li.check");
    if (!bar || !items.length) { return; }
    var done = 0, left = 0;
    items.forEach(function (li) {
      var box = li.querySelector('input[type=checkbox][name="done"]');
      var isDone = box ? box.checked : li.classList.contains("done");
      if (isDone) { done++; } else if (li.querySelector("em.req")) { left++; }
    });
    bar.textContent = done + " of " + items.length + " done";
    if (left) {
      var strong = document.createElement("strong");
      strong.textContent = left + " required left";
      bar.append(" · ", strong);
    } else {
      bar.append(" · all required done");
    }
    bar.classList.toggle("open-required", left > 0);
  }

  // The part picker without a network: the catalogue kept on the device (/offline/parts through the
  // service worker), searched here as the server would (in stock first, the best match first), the
  // stock less what waits in the outbox. True when it answered (no "no connection" toast).
  function pickFromDevice() {
    var form = document.querySelector("#parts form[data-catalogue]");
    var options = document.getElementById("part-options");
    if (!form || !options) { return false; }
    var q = ((document.getElementById("f-partQ") || {}).value || "").trim().toLowerCase();
    var wanted = Math.max(1, parseInt((document.getElementById("f-quantityUsed") || {}).value, 10) || 1);
    Promise.all([root.fetch(form.getAttribute("data-catalogue"), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json().then(function (j) { return {json: j, at: r.headers.get("X-Device-Copy")}; }) : null; })
      .catch(function () { return null; }), Outbox.all()]).then(function (got) {
      var kept = got[0];
      var taken = {};
      got[1].forEach(function (a) {
        if (a.state !== "refused" && /\/parts$/.test(a.url) && fieldOf(a, "partId")) {
          taken[fieldOf(a, "partId")] = (taken[fieldOf(a, "partId")] || 0) + (parseInt(fieldOf(a, "quantityUsed"), 10) || 1);
        }
      });
      var fresh = document.createElement("div");
      fresh.id = "part-options";
      fresh.className = "part-options";
      fresh.setAttribute("aria-live", "polite");
      var note = document.createElement("p");
      note.className = "device-note";
      fresh.append(note);
      if (!kept || !kept.json.parts) {
        note.textContent = "No network, and the part list is not on this device yet.";
      } else {
        note.textContent = "No network: parts as kept on this device" + (kept.at ? ", stock as of " + whenText(kept.at) : "") + ".";
        catalogueOptions(kept.json.parts, q, wanted, taken, form.getAttribute("data-request-url")).forEach(function (n) { fresh.append(n); });
      }
      var picked = options.querySelector('input[name="partId"]:checked');
      var now = document.getElementById("part-options");
      now.replaceWith(fresh);
      if (picked) {
        var again = fresh.querySelector('input[name="partId"][value="' + CSS.escape(picked.value) + '"]');
        if (again) { again.checked = true; }
      }
      if (root.htmx) { root.htmx.process(fresh); }
    });
    return true;
  }

  function catalogueOptions(parts, q, wanted, taken, requestUrl) {
    var rank = function (p) {
      var n = p.partNumber.toLowerCase();
      return !q ? 0 : n === q ? 0 : n.indexOf(q) === 0 ? 1 : n.indexOf(q) !== -1 ? 2 : 3;
    };
    var found = parts.map(function (p) {
      return {part: p, stock: Math.max(0, p.stockLevel - (taken[p.id] || 0))};
    }).filter(function (c) {
      var p = c.part;
      return !q || [p.partNumber, p.description, p.supplier].some(function (t) { return (t || "").toLowerCase().indexOf(q) !== -1; });
    }).sort(function (a, b) {
      return ((a.stock > 0 ? 0 : 1) - (b.stock > 0 ? 0 : 1)) || (rank(a.part) - rank(b.part))
        || (a.part.partNumber < b.part.partNumber ? -1 : a.part.partNumber > b.part.partNumber ? 1 : 0);
    }).slice(0, 12);
    var nodes = [];
    if (!found.length) {
      var empty = document.createElement("p");
      empty.className = "empty";
      empty.textContent = q ? "No part matches “" + q + "”." : "No parts on this device.";
      return [empty];
    }
    found.forEach(function (c, i) {
      var p = c.part;
      var row = document.createElement("div");
      var words = function (holder) {
        var pn = document.createElement("span"); pn.className = "pn"; pn.textContent = p.partNumber;
        var pd = document.createElement("span"); pd.className = "pd"; pd.textContent = p.description || "";
        var st = document.createElement("span"); st.className = "stock";
        st.textContent = c.stock <= 0 ? "Out of stock" : c.stock < wanted ? "Only " + c.stock + " in stock" : c.stock + " in stock";
        holder.append(pn, " ", pd, " ", st);
      };
      var missing = c.stock > 0 ? Math.max(wanted - c.stock, 0) : wanted;
      if (c.stock > 0) {
        row.className = "part-option" + (c.stock < wanted ? " short" : "");
        var label = document.createElement("label");
        label.className = "pick";
        var radio = document.createElement("input");
        radio.type = "radio";
        radio.name = "partId";
        radio.value = p.id;
        label.append(radio);
        words(label);
        row.append(label);
      } else {
        if (i === 0 || found[i - 1].stock > 0) {
          var group = document.createElement("p");
          group.className = "part-group";
          group.id = "out-of-stock";
          group.textContent = "Out of stock: request them for this work order";
          nodes.push(group);
        }
        row.className = "part-option out";
        var pick = document.createElement("div");
        pick.className = "pick";
        words(pick);
        row.append(pick);
      }
      if (missing > 0 && requestUrl) {
        var ask = document.createElement("button");
        ask.type = "button";
        ask.className = "button secondary ask";
        ask.setAttribute("hx-post", requestUrl + "?partId=" + encodeURIComponent(p.id) + "&quantity=" + missing);
        ask.setAttribute("hx-target", "#parts");
        ask.setAttribute("hx-swap", "outerHTML");
        ask.setAttribute("aria-label", "Request " + missing + " " + p.partNumber);
        ask.textContent = c.stock > 0 ? "Request " + missing + " more" : "Request this part" + (missing > 1 ? " (" + missing + ")" : "");
        row.append(ask);
      }
      nodes.push(row);
    });
    return nodes;
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
      var here = actions.filter(function (a) { return a.page === root.location.pathname && a.state !== "refused"; });
      showStatus(here);
      showTimer(here);
      showProgress();
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
    var said = [];
    if (waiting) { said.push(waiting + " waiting to send"); }
    if (refused) { said.push(refused + " refused by the server"); }
    summary.textContent = !actions.length ? "Nothing waiting: everything done on this device has been sent."
      : said.join(", ") + ".";
    var sendNow = document.getElementById("outbox-send");
    if (sendNow) { sendNow.hidden = !waiting; }  // nothing to send: no button
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
  // Any swap (a section answered, a boosted navigation) and a live refresh (portal.js) bring the
  // server's markup: the notes, ticks, timer and status of what still waits are put back on it.
  document.addEventListener("htmx:afterSettle", function () { show(); });
  document.addEventListener("portal:live-morphed", function () { show(); });

  show();
  replayNow();
  refreshKept();
})(self);
