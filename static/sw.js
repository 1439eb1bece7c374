// MaintainPro's service worker (docs/portal.md "Offline", docs/decisions.md "What the device keeps").
// Served at /sw.js by portal/web/offline.py, which writes `self.MAINTAINPRO = {version, shell,
// offlineScript, pages}` before this code: a release changes those bytes, so the browser installs a
// new worker. Plain code on purpose: three caches' worth of rules, no framework.
//
// - static files (fingerprinted URLs, immutable): from the cache, else the network (then kept);
// - the pages a technician reads (My work, a work order, the outbox): from the network, kept on the
//   device with the time they were fetched; without a network, the kept copy, saying so and how old;
//   a work order's photo thumbnails and the part catalogue (/offline/parts) with them;
// - what is kept: the server's list (/offline/keep) and the work orders opened in the last days,
//   bounded by storage only (static/js/device_keep.js: the oldest closed ones go first);
// - writes (POST...) are never answered here: the page queues them (static/js/offline.js) when the
//   network fails, and this worker replays that queue on Background Sync.
"use strict";

var CONFIG = self.MAINTAINPRO;
var STATIC_CACHE = "mp-static-" + CONFIG.version;
// One pages cache across versions: a new worker keeps what the device already holds.
var PAGES_CACHE = "mp-pages";
var COPY_HEADER = "X-Device-Copy";
// Beside the copy: when the technician last opened it, its size, and whether it was closed then.
var OPENED_HEADER = "X-Device-Opened";
var BYTES_HEADER = "X-Device-Bytes";
var CLOSED_HEADER = "X-Device-Closed";
var WORK_ORDER = /^\/work-orders\/[^/]+$/;
var THUMB = /^\/work-orders\/[^/]+\/attachments\/[^/]+$/;
var THUMB_IN_PAGE = /src="(\/work-orders\/[^"/]+\/attachments\/[^"/?]+\?size=thumb)"/g;
var CLOSED_IN_PAGE = /data-wo-status="(completed|cancelled)"/;

// The queue (IndexedDB) and its replay, shared with the pages: self.MaintainProOutbox; the keeping
// rule: self.MaintainProKeep.
importScripts(CONFIG.offlineScript, CONFIG.keepRule);

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
  return url.pathname === "/" || url.pathname === "/outbox" || WORK_ORDER.test(url.pathname);
}

function isThumb(url) {
  return THUMB.test(url.pathname) && url.searchParams.get("size") === "thumb";
}

// A whole page (a navigation, an htmx boosted link, a history restore), not a fragment of one.
function wholePage(request) {
  var h = request.headers;
  return request.mode === "navigate" || h.get("HX-Boosted") === "true"
    || h.get("HX-History-Restore-Request") === "true" || !h.get("HX-Request");
}

// Keep `response` as the device's copy of `path`. `opened`: the technician opened it now (a
// navigation); else (a background refresh) the last opening is carried over. A work order's photo
// thumbnails are kept with it. Resolves the page's text.
function storePage(path, response, opened) {
  return Promise.all([response.text(), caches.open(PAGES_CACHE)]).then(function (got) {
    var html = got[0], cache = got[1];
    return cache.match(path).then(function (old) {
      var now = new Date().toISOString();
      var headers = {"Content-Type": response.headers.get("Content-Type") || "text/html; charset=utf-8"};
      headers[COPY_HEADER] = now;
      headers[OPENED_HEADER] = opened ? now : ((old && old.headers.get(OPENED_HEADER)) || now);
      headers[BYTES_HEADER] = String(html.length);
      headers[CLOSED_HEADER] = CLOSED_IN_PAGE.test(html) ? "1" : "0";
      return cache.put(path, new Response(html, {status: 200, headers: headers}));
    }).then(function () {
      return WORK_ORDER.test(path) ? keepThumbs(cache, html) : null;
    }).then(function () { return html; });
  });
}

// The thumbnails a kept work order shows (immutable: fetched once).
function keepThumbs(cache, html) {
  var urls = [];
  html.replace(THUMB_IN_PAGE, function (_, url) { urls.push(url); return ""; });
  return Promise.all(urls.map(function (url) {
    return cache.match(url).then(function (hit) { return hit || fetchThumb(cache, url); }).catch(function () { return null; });
  }));
}

function fetchThumb(cache, url) {
  return fetch(url, {credentials: "same-origin"}).then(function (resp) {
    if (!resp.ok || resp.redirected) { return resp; }
    return resp.clone().blob().then(function (blob) {
      var headers = {"Content-Type": resp.headers.get("Content-Type") || "image/jpeg"};
      headers[COPY_HEADER] = new Date().toISOString();
      headers[BYTES_HEADER] = String(blob.size);
      return cache.put(url, new Response(blob, {status: 200, headers: headers}));
    }).then(function () { return resp; });
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
      event.waitUntil(storePage(url.pathname, response.clone(), true).then(function () { return prune(); }));
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
  } else if (isThumb(url)) {
    event.respondWith(caches.open(PAGES_CACHE).then(function (cache) {
      return cache.match(url.pathname + url.search).then(function (hit) {
        return hit || fetchThumb(cache, url.pathname + url.search);
      });
    }));
  } else if (url.pathname === CONFIG.pages.parts) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) { event.waitUntil(storeData(url.pathname, response.clone())); }
      return response;
    }, function () {
      return caches.open(PAGES_CACHE).then(function (cache) { return cache.match(url.pathname); }).then(function (kept) {
        return kept || new Response("{}", {status: 503, headers: {"Content-Type": "application/json"}});
      });
    }));
  } else if (keptPath(url) && wholePage(request)) {
    event.respondWith(networkThenDevice(event, url));
  }
});

// The part catalogue as the server sent it (JSON), with the time it was fetched.
function storeData(path, response) {
  return response.text().then(function (text) {
    var headers = {"Content-Type": "application/json"};
    headers[COPY_HEADER] = new Date().toISOString();
    headers[BYTES_HEADER] = String(text.length);
    return caches.open(PAGES_CACHE).then(function (cache) {
      return cache.put(path, new Response(text, {status: 200, headers: headers}));
    });
  });
}

function keptWorkOrders() {
  return caches.open(PAGES_CACHE).then(function (cache) {
    return cache.keys().then(function (requests) {
      return requests.map(function (r) { return new URL(r.url).pathname; }).filter(function (p) { return WORK_ORDER.test(p); });
    });
  });
}

// Keep the technician's pages fresh while online: the server's list (/offline/keep), the work orders
// opened in the last days, and the part catalogue; each page fetched whole and stored. A kept page
// the server no longer shows this user (404, 403, the login) goes.
function refresh() {
  return fetch(CONFIG.pages.keep, {credentials: "same-origin", cache: "no-store"}).then(function (resp) {
    if (!resp.ok || resp.redirected) { return null; }
    return resp.json();
  }).then(function (keep) {
    if (!keep) { return null; }
    var wanted = keep.pages;
    // The list itself is kept too: a worker that takes over before its first refresh knows it.
    var list = new Response(JSON.stringify(keep), {headers: {"Content-Type": "application/json"}});
    return keptWorkOrders().then(function (kept) {
      var paths = wanted.concat(kept.filter(function (p) { return wanted.indexOf(p) === -1; }));
      var fetched = paths.map(function (path) {
        return fetch(path, {credentials: "same-origin", cache: "no-store"}).then(function (resp) {
          if (resp.status === 200 && !resp.redirected) { return storePage(path, resp, false).then(function () { return 1; }); }
          if (resp.status === 404 || resp.status === 403 || resp.redirected) {
            return caches.open(PAGES_CACHE).then(function (cache) { return cache.delete(path); }).then(function () { return 0; });
          }
          return 0;
        }, function () { return 0; });
      });
      var catalogue = fetch(CONFIG.pages.parts, {credentials: "same-origin", cache: "no-store"}).then(function (resp) {
        return resp.ok && !resp.redirected ? storeData(CONFIG.pages.parts, resp) : null;
      }, function () { return null; });
      return Promise.all(fetched.concat([catalogue, storeData(CONFIG.pages.keep, list)])).then(function (counts) {
        return prune(wanted).then(function (dropped) {
          return {kept: counts.slice(0, wanted.length).reduce(function (a, b) { return a + b; }, 0),
                  recent: counts.slice(wanted.length, paths.length).reduce(function (a, b) { return a + b; }, 0),
                  dropped: dropped, at: new Date().toISOString()};
        });
      });
    });
  });
}

// The server's list of the last refresh (kept on the device), for a prune after a navigation
// stored a page.
function serverList(cache) {
  return cache.match(CONFIG.pages.keep).then(function (kept) {
    return kept ? kept.json().then(function (keep) { return keep.pages || []; }) : [];
  }).catch(function () { return []; });
}

// What the device holds, page by page (a work order's thumbnails counted with it), judged by the
// keeping rule; what it says goes, thumbnails with their page. Resolves the paths dropped.
function prune(wanted) {
  return caches.open(PAGES_CACHE).then(function (cache) {
    return Promise.all([cache, self.MaintainProOutbox.all(), budget(), wanted || serverList(cache)]);
  }).then(function (got) {
    var cache = got[0], actions = got[1], bytes = got[2];
    wanted = got[3];
    var waiting = {};
    actions.forEach(function (a) { if (a.workOrder) { waiting[a.workOrder.url] = true; } });
    return cache.keys().then(function (requests) {
      return Promise.all(requests.map(function (r) {
        return cache.match(r).then(function (kept) { return {request: r, response: kept}; });
      }));
    }).then(function (all) {
      var entries = {};
      var thumbsOf = {};
      all.forEach(function (item) {
        var path = new URL(item.request.url).pathname;
        var size = Number(item.response.headers.get(BYTES_HEADER) || 0);
        if (THUMB.test(path)) {
          var page = path.replace(/\/attachments\/.*$/, "");
          thumbsOf[page] = (thumbsOf[page] || []).concat([item.request]);
          entries[page] = entries[page] || {path: page, bytes: 0, opened: 0, closed: false, wanted: false, waiting: false, orphan: true};
          entries[page].bytes += size;
          return;
        }
        var h = item.response.headers;
        var entry = entries[path] || {path: path, bytes: 0};
        entry.orphan = false;
        entry.bytes += size;
        entry.opened = Date.parse(h.get(OPENED_HEADER) || h.get(COPY_HEADER) || "") || 0;
        entry.closed = h.get(CLOSED_HEADER) === "1";
        entry.wanted = !WORK_ORDER.test(path) || wanted.indexOf(path) !== -1;
        entry.waiting = !!waiting[path];
        entries[path] = entry;
      });
      var list = Object.keys(entries).map(function (k) { return entries[k]; });
      var drop = self.MaintainProKeep.toDrop(list, {now: Date.now(), recentDays: CONFIG.recentDays, budget: bytes});
      // Thumbnails whose page is gone go too.
      list.forEach(function (e) { if (e.orphan && drop.indexOf(e.path) === -1) { drop.push(e.path); } });
      return Promise.all(drop.map(function (path) {
        return Promise.all([cache.delete(path)].concat((thumbsOf[path] || []).map(function (r) { return cache.delete(r); })));
      })).then(function () { return drop; });
    });
  });
}

// The bytes the portal may keep on this device: the configured bound, else half of what the browser
// grants the site (the static files and the queue come out of the rest).
function budget() {
  if (CONFIG.deviceBytes) { return Promise.resolve(CONFIG.deviceBytes); }
  var storage = self.navigator && self.navigator.storage;
  if (!storage || !storage.estimate) { return Promise.resolve(0); }
  return storage.estimate().then(function (e) { return Math.floor((e.quota || 0) / 2); }, function () { return 0; });
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
      if (done && event.source) {
        event.source.postMessage({type: "refreshed", kept: done.kept, recent: done.recent, dropped: done.dropped, at: done.at});
      }
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
