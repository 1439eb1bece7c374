// MaintainPro's service worker (docs/portal.md "Offline", docs/decisions.md "What the device keeps").
// Served at /sw.js by portal/web/offline.py, which writes `self.MAINTAINPRO = {version, shell,
// offlineScript, pages}` before this code: a release changes those bytes, so the browser installs a
// new worker. Plain code on purpose: three caches' worth of rules, no framework.
//
// - static files (fingerprinted URLs, immutable): from the cache, else the network (then kept);
// - the pages a technician reads (My work, a work order, the outbox): from the network, kept on the
//   device with the time they were fetched; without a network, the kept copy, saying so and how old;
// - writes (POST...) are never answered here: the page queues them (static/js/offline.js) when the
//   network fails, and this worker replays that queue on Background Sync.
"use strict";

var CONFIG = self.MAINTAINPRO;
var STATIC_CACHE = "mp-static-" + CONFIG.version;
// One pages cache across versions: a new worker keeps what the device already holds.
var PAGES_CACHE = "mp-pages";
var COPY_HEADER = "X-Device-Copy";
// Pages no longer on the technician's list (closed, reassigned) are dropped after this many days.
var KEEP_DAYS = 7;

// The queue (IndexedDB) and its replay, shared with the pages: self.MaintainProOutbox.
importScripts(CONFIG.offlineScript);

self.addEventListener("install", function (event) {
  // The queue lives in IndexedDB, whose layout only ever grows: a new worker may take over at once
  // without losing or re-sending anything (keys make a repeated send harmless).
  event.waitUntil(caches.open(STATIC_CACHE)
    .then(function (cache) { return cache.addAll(CONFIG.shell); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("mp-static-") === 0 && name !== STATIC_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function keptPath(url) {
  return url.pathname === "/" || url.pathname === "/outbox" || /^\/work-orders\/[^/]+$/.test(url.pathname);
}

// A whole page (a navigation, an htmx boosted link, a history restore), not a fragment of one.
function wholePage(request) {
  var h = request.headers;
  return request.mode === "navigate" || h.get("HX-Boosted") === "true"
    || h.get("HX-History-Restore-Request") === "true" || !h.get("HX-Request");
}

function storePage(path, response) {
  return response.text().then(function (html) {
    var headers = {"Content-Type": response.headers.get("Content-Type") || "text/html; charset=utf-8"};
    headers[COPY_HEADER] = new Date().toISOString();
    return caches.open(PAGES_CACHE).then(function (cache) {
      return cache.put(path, new Response(html, {status: 200, headers: headers}));
    });
  });
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
  });
}

function asOf(iso) {
  var when = new Date(iso);
  return when.toLocaleString([], {day: "numeric", month: "short", hour: "2-digit", minute: "2-digit"});
}

function fromDevice(path) {
  return caches.open(PAGES_CACHE).then(function (cache) { return cache.match(path); }).then(function (kept) {
    if (!kept) { return notOnDevice(); }
    var at = kept.headers.get(COPY_HEADER);
    return kept.text().then(function (html) {
      var note = '<p class="device-copy" role="status" data-device-copy="' + escapeHtml(at) + '">'
        + "No network: served from the device, as of " + escapeHtml(asOf(at))
        + ". What you change is kept and sent when the network is back.</p>";
      return new Response(html.replace(/(<main\b[^>]*>)/, "$1" + note),
                          {status: 200, headers: {"Content-Type": "text/html; charset=utf-8"}});
    });
  });
}

function notOnDevice() {
  var sheets = CONFIG.shell.filter(function (u) { return /\.css(\?|$)/.test(u); }).map(function (u) {
    return '<link rel="stylesheet" href="' + escapeHtml(u) + '">';
  }).join("");
  var html = '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    + '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Not on this device · MaintainPro</title>'
    + sheets + '</head><body><main id="main"><h1>Not on this device</h1>'
    + "<p>There is no network, and this page was not kept on the device. Your assigned work orders are.</p>"
    + '<p><a class="button" href="/">My work</a> <a class="button secondary" href="/outbox">Outbox</a></p>'
    + "</main></body></html>";
  return new Response(html, {status: 200, headers: {"Content-Type": "text/html; charset=utf-8"}});
}

function networkThenDevice(event, url) {
  return fetch(event.request).then(function (response) {
    var html = (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
    // A redirect (to the login) or an error page is not the page: keep the old copy.
    if (response.status === 200 && html && !response.redirected) {
      event.waitUntil(storePage(url.pathname, response.clone()));
    }
    return response;
  }, function () { return fromDevice(url.pathname); });
}

function fromStatic(request) {
  return caches.open(STATIC_CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) {
      if (hit) { return hit; }
      return fetch(request).then(function (response) {
        if (response.ok) { cache.put(request, response.clone()); }
        return response;
      }, function () {
        // A page kept under an older release names older file versions: this release's file serves.
        return cache.match(request, {ignoreSearch: true}).then(function (same) {
          return same || Response.error();
        });
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }  // writes go to the network; the page queues failures
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(fromStatic(request));
  } else if (keptPath(url) && wholePage(request)) {
    event.respondWith(networkThenDevice(event, url));
  }
});

// Keep the technician's pages fresh while online: the list comes from the server (/offline/keep),
// each page is fetched whole and stored; pages dropped from the list go after KEEP_DAYS.
function refresh() {
  return fetch(CONFIG.pages.keep, {credentials: "same-origin", cache: "no-store"}).then(function (resp) {
    if (!resp.ok || resp.redirected) { return null; }
    return resp.json();
  }).then(function (keep) {
    if (!keep) { return null; }
    var wanted = keep.pages;
    var fetched = wanted.map(function (path) {
      return fetch(path, {credentials: "same-origin", cache: "no-store"}).then(function (resp) {
        if (resp.status === 200 && !resp.redirected) { return storePage(path, resp).then(function () { return 1; }); }
        return 0;
      }, function () { return 0; });
    });
    return Promise.all(fetched).then(function (counts) {
      return dropOld(wanted).then(function () {
        return {kept: counts.reduce(function (a, b) { return a + b; }, 0), at: new Date().toISOString()};
      });
    });
  });
}

function dropOld(wanted) {
  var limit = Date.now() - KEEP_DAYS * 86400000;
  return caches.open(PAGES_CACHE).then(function (cache) {
    return cache.keys().then(function (requests) {
      return Promise.all(requests.map(function (request) {
        var path = new URL(request.url).pathname;
        if (wanted.indexOf(path) !== -1) { return null; }
        return cache.match(request).then(function (kept) {
          var at = kept && Date.parse(kept.headers.get(COPY_HEADER) || "");
          if (!at || at < limit) { return cache.delete(request); }
          return null;
        });
      }));
    });
  });
}

function tellPages(message) {
  return self.clients.matchAll({type: "window"}).then(function (pages) {
    pages.forEach(function (page) { page.postMessage(message); });
  });
}

self.addEventListener("message", function (event) {
  var type = event.data && event.data.type;
  if (type === "refresh") {
    event.waitUntil(refresh().then(function (done) {
      if (done && event.source) { event.source.postMessage({type: "refreshed", kept: done.kept, at: done.at}); }
    }, function () { /* offline: the kept copies stay */ }));
  } else if (type === "forget") {
    // Logging out: the next person on this device does not read this one's work orders.
    event.waitUntil(caches.delete(PAGES_CACHE));
  }
});

// Background Sync (Chromium): the queue is sent even when no page of ours is open.
self.addEventListener("sync", function (event) {
  if (event.tag === "outbox") {
    event.waitUntil(self.MaintainProOutbox.replay().then(function (result) {
      return tellPages({type: "outbox-changed"}).then(function () {
        // Still no network: failing the sync makes the browser try again later.
        if (result && result.stopped === "network") { throw new Error("no network"); }
      });
    }));
  }
});
