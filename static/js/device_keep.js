// What a technician's device keeps when its storage runs short (docs/portal.md "Offline"): one rule,
// loaded by the service worker (static/sw.js, importScripts) and tested alone under node
// (tests/web/test_device_keep.py). No fixed number of work orders: only the storage bounds them.
(function (root) {
  "use strict";

  var DAY_MS = 86400000;

  // entries: what the device holds, one per kept page (with its photo thumbnails):
  //   {path, bytes, opened (ms: last opened on this device, else when fetched), closed (completed or
  //    cancelled), wanted (on the server's list: My work, the outbox, the catalogue, an open work order
  //    assigned to the technician), waiting (a change made on it is still in the outbox)}.
  // options: {now (ms), recentDays, budget (bytes; 0: no bound)}.
  // Returns the paths to drop, in the order they go:
  //   1. pages not wanted and opened more than recentDays ago ("those opened in the last days");
  //   2. while the rest is over the budget: closed before open, the oldest opened first.
  // A wanted page, or one with a change still waiting to send, is never dropped.
  function toDrop(entries, options) {
    var limit = options.now - options.recentDays * DAY_MS;
    var used = 0;
    var drop = [];
    var droppable = [];
    entries.forEach(function (entry) {
      used += entry.bytes;
      if (entry.wanted || entry.waiting) { return; }
      if (entry.opened < limit) {
        drop.push(entry.path);
        used -= entry.bytes;
      } else {
        droppable.push(entry);
      }
    });
    droppable.sort(function (a, b) {
      return (Number(b.closed) - Number(a.closed)) || (a.opened - b.opened) || (a.path < b.path ? -1 : 1);
    });
    for (var i = 0; i < droppable.length && options.budget > 0 && used > options.budget; i++) {
      drop.push(droppable[i].path);
      used -= droppable[i].bytes;
    }
    return drop;
  }

  var rule = {toDrop: toDrop};
  if (typeof module !== "undefined" && module.exports) {
    module.exports = rule;
  } else {
    root.MaintainProKeep = rule;
  }
})(typeof self !== "undefined" ? self : this);
