// Portal behaviour (a static file: the CSP allows no inline script).
// htmx 2.x: requests carry the CSRF token; failed requests are never silent.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function toast(text) {
    var box = document.getElementById("toast");
    if (!box) { return; }
    box.textContent = text;
    box.hidden = false;
    window.clearTimeout(box._timer);
    box._timer = window.setTimeout(function () { box.hidden = true; }, 8000);
  }

  document.addEventListener("htmx:configRequest", function (evt) {
    // Every htmx request sends the token; Flask-WTF reads X-CSRFToken.
    evt.detail.headers["X-CSRFToken"] = csrfToken();
  });

  document.addEventListener("htmx:responseError", function (evt) {
    var status = evt.detail.xhr.status;
    if (status === 400 || status === 403) {
      toast("The page expired or this action is not allowed. Reload the page and try again.");
    } else if (status === 401) {
      toast("Your session ended. Log in again.");
    } else if (status === 413) {
      toast("That file is too large to upload. Take the photo again at a lower resolution.");
    } else if (status === 429) {
      toast("Too many attempts. Wait a minute and try again.");
    } else if (status >= 500) {
      toast("Something went wrong on the server (" + status + "). It was logged; try again.");
    } else {
      toast("The request failed (" + status + ").");
    }
  });

  document.addEventListener("htmx:sendError", function (evt) {
    // A work page change kept in the device's outbox (static/js/offline.js) is not an error.
    if (window.MaintainProOutbox && window.MaintainProOutbox.takes && window.MaintainProOutbox.takes(evt)) { return; }
    toast("No connection to the server. Check the network and try again.");
  });

  // A section loaded after its page (hx-trigger="load", data-lazy-failed="…", e.g. the KPI page's bad
  // actors): when its request fails it says so in place, and its link still opens it, rather than
  // reading "loading…" for ever. (The toast above says why.)
  function lazyFailed(evt) {
    var elt = evt.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-lazy-failed")) { return; }
    var status = elt.querySelector("[data-lazy-status]");
    if (status && status.firstChild) { status.firstChild.nodeValue = elt.getAttribute("data-lazy-failed") + " "; }
    elt.removeAttribute("aria-busy");
  }
  document.addEventListener("htmx:sendError", lazyFailed);
  document.addEventListener("htmx:responseError", lazyFailed);

  // ---- The phone menu (templates/base.html): the button shows or hides #nav-menu ----------------
  // Delegated, because a boosted navigation swaps the whole body (the header comes back closed).
  // Escape closes it and gives the focus back to the button.
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest('button[aria-controls="nav-menu"]');
    if (!button) { return; }
    button.setAttribute("aria-expanded", button.getAttribute("aria-expanded") === "true" ? "false" : "true");
  });
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape") { return; }
    var button = document.querySelector('button[aria-controls="nav-menu"][aria-expanded="true"]');
    if (button) { button.setAttribute("aria-expanded", "false"); button.focus(); }
  });

  // A "Print" button (data-print), e.g. the KPI dashboard's: the print stylesheet does the rest.
  document.addEventListener("click", function (evt) {
    if (evt.target.closest && evt.target.closest("[data-print]")) { window.print(); }
  });

  // A "Copy" button (data-copy="#input"): the input's text to the clipboard, and a word in the
  // data-copy-done element. Without clipboard access (plain http) the text is selected for the user.
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-copy]");
    if (!button) { return; }
    var field = document.querySelector(button.getAttribute("data-copy"));
    var done = document.querySelector(button.getAttribute("data-copy-done"));
    if (!field) { return; }
    function say(text) { if (done) { done.textContent = text; } }
    function selectIt() { field.focus(); field.select(); say("Selected: copy it, or open it and bookmark that page."); }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { say("Copied. Keep it somewhere safe."); }, selectIt);
    } else {
      selectIt();
    }
  });

  // ---- Live updates: the work order board and a work order's page ---------------------------
  // A page with <div id="live" data-live-url data-live-version data-live-target> asks every LIVE_POLL_SECONDS (5 s),
  // while its tab is visible, whether anything changed since its version (204: nothing, the cheap
  // common case). A 200 carries the target's new markup, morphed into the page by idiomorph: unchanged
  // nodes stay the same nodes, focus and caret stay, open <details> stay open. A part the user is busy
  // in (a focused field, a form typed in but not sent) is left as it is; ticked checkboxes stay ticked.
  // Plain fetch, not hx-trigger="every 5s", so the page decides what it is busy with.
  var livePending = false;
  // Counts the page's own htmx requests starting and ending (htmx fires afterRequest on errors and
  // aborts too): a poll answer is applied only if none did while it was on its way, so an answer
  // older than the user's own change never overwrites it. No in-flight count that a request
  // cancelled before it was sent could leave stuck.
  var ownRequests = 0;
  ["htmx:beforeRequest", "htmx:afterRequest"].forEach(function (name) {
    document.addEventListener(name, function () { ownRequests++; });
  });
  var liveTimer = null;
  var liveArmedFor;

  function typingIn(el) {
    var a = document.activeElement;
    return !!(a && a !== document.body && el.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)
              && a.type !== "checkbox" && a.type !== "submit");
  }

  // Busy: typing in it, a form typed in but not sent, or a form the server sent back with an error
  // (its fields hold what the user sent, waiting for the correction).
  function busy(el) {
    return typingIn(el) || !!el.querySelector('form[data-dirty], [aria-invalid="true"]')
      || el.matches("form[data-dirty]");
  }

  // Every morph (the live refresh, a board row's inline edit with hx-swap="morph") keeps the user's
  // own state, which the server never sends: ticks for the next bulk assignment, open <details>, the
  // poll token of a #live or the bell inside what is morphed.
  Idiomorph.defaults.callbacks.beforeAttributeUpdated = function (name, el) {
    return !((name === "checked" && el.matches('input[name="ids"]')) || (name === "open" && el.tagName === "DETAILS")
             || name === "data-live-token");
  };

  // The parts a refresh leaves alone while the user is busy in them: a row of the board's list, a
  // kanban card (its hold reason being picked), a section of a work order's page (a child of
  // .wo-page with an id).
  function isPart(el) {
    var parent = el.parentElement;
    return !!(parent && el.id && (parent.classList.contains("wo-list") || parent.classList.contains("wo-page")
                                  || parent.classList.contains("board-rows") || parent.classList.contains("kanban-cards")));
  }

  // Morph `fresh` into `target`; false when a busy part kept its old content (the page then stays at
  // its old version, so the next poll brings that part again once the user is done).
  function liveMorph(target, fresh) {
    var complete = true;
    // Taken before the morph, which moves the answer's nodes into the page.
    var ids = Array.prototype.map.call(
      fresh.querySelectorAll(".wo-list > [id], .wo-page > [id], .board-rows > [id], .kanban-cards > [id]"),
      function (el) { return el.id; });
    Idiomorph.morph(target, fresh, {
      morphStyle: "outerHTML",
      ignoreActiveValue: true,
      callbacks: {
        beforeNodeMorphed: function (old) {
          if (old.nodeType === 1 && isPart(old) && busy(old)) { complete = false; return false; }
          return true;
        },
        // A busy row the new list no longer has stays where it is until the user is done; a
        // "Waiting to send" note (static/js/offline.js) stays until its change is sent.
        beforeNodeRemoved: function (old) {
          if (old.nodeType === 1 && old.hasAttribute("data-queued-key")) { return false; }
          if (old.nodeType === 1 && busy(old)) { complete = false; return false; }
          return true;
        }
      }
    });
    htmx.process(target);  // new rows and sections get their hx-* behaviour
    // The device's own state of what still waits (ticks, the count, the timer) goes back on top.
    document.dispatchEvent(new CustomEvent("portal:live-morphed"));
    // Every row, card and section of the answer must be on the page now. Once, under load, a kanban
    // card moved by the keyboard while a poll's answer was being morphed went missing, and the page
    // took the answer's version, so no later poll brought it back. Missing: the version stays, and
    // the next poll morphs again, which puts it back.
    for (var i = 0; i < ids.length; i++) {
      if (!document.getElementById(ids[i])) { return false; }
    }
    return complete;
  }

  // The poll token (X-Live-Token, portal/web/live_poll.py): the server hands one out with a checked
  // answer and it lets the next "nothing changed" skip the login's database read. Kept on the element
  // that polls, so another page (a new #live) starts without one; an expired one is simply replaced.
  function pollHeaders(el) {
    var headers = {"HX-Request": "true"};
    var token = el.getAttribute("data-live-token");
    if (token) { headers["X-Live-Token"] = token; }
    return headers;
  }
  function keepPollToken(el, resp) {
    var token = resp.headers.get("X-Live-Token");
    if (token) { el.setAttribute("data-live-token", token); }
  }

  function livePoll() {
    var live = document.getElementById("live");
    if (!live || livePending || document.visibilityState !== "visible") { return; }
    var selector = live.getAttribute("data-live-target");
    var search = window.location.search;
    var params = new URLSearchParams(search);
    params.set("since", live.getAttribute("data-live-version") || "");
    livePending = true;
    var ownBefore = ownRequests;
    // A poll lost on the way (Wi-Fi dropped mid-request) would otherwise hang for minutes, and no
    // other poll starts while one is pending: give up on it after two intervals, the next one asks.
    var abort = window.AbortController ? new AbortController() : null;
    var giveUp = abort && window.setTimeout(function () { abort.abort(); }, 2 * liveInterval(live));
    window.fetch(live.getAttribute("data-live-url") + "?" + params.toString(),
                 {headers: pollHeaders(live), credentials: "same-origin", cache: "no-store",
                  signal: abort ? abort.signal : undefined})
      .then(function (resp) {
        keepPollToken(live, resp);
        if (resp.status === 404) {
          live.remove();
          toast("This work order no longer exists. Go back to the work orders.");
          return null;
        }
        if (resp.status !== 200) { return null; }
        return resp.text().then(function (html) {
          var target = document.querySelector(selector);
          // Navigated or filtered meanwhile: this answer is for another page; the next poll asks again.
          if (!target || document.getElementById("live") !== live || window.location.search !== search) { return; }
          if (ownRequests !== ownBefore) { return; }  // older than the user's own change: ask again
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(selector);
          if (!fresh) { return; }
          // Complete: the page is now at the answer's version. Else a part the user was busy in
          // kept its old content, and the version stays, so the next poll brings it once free.
          if (liveMorph(target, fresh)) { live.setAttribute("data-live-version", resp.headers.get("X-Live-Version") || ""); }
        });
      })
      .catch(function () { /* offline or given up: the next poll tries again */ })
      .then(function () { window.clearTimeout(giveUp); livePending = false; });
  }

  // A step of the work order page (a tick, a part, labor, a comment, a photo: an htmx post under
  // #live's data-live-steps) sends the page's version (X-Live-Since). When only that step's own write
  // moved the work order's version, its answer carries the new one (X-Live-Version) and shows all it
  // changed, so the page takes it and its next poll is a quiet 204 rather than a re-render of what
  // the answer just swapped. Taken only if the page is still at the version the step was sent from
  // (a poll or another step may have moved it meanwhile); anyone else's change in between means no
  // X-Live-Version, and the next poll fetches it (portal/web/live_poll.py). The offline outbox's
  // replays (static/js/offline.js) send no X-Live-Since and change no version here.
  function ownStepPath(live, path) {
    var steps = live && live.getAttribute("data-live-steps");
    if (!steps) { return false; }
    try { return new URL(path, window.location.href).pathname.indexOf(steps) === 0; } catch (e) { return false; }
  }
  document.addEventListener("htmx:configRequest", function (evt) {
    var live = document.getElementById("live");
    if (evt.detail.verb === "get" || !ownStepPath(live, evt.detail.path)) { return; }
    var version = live.getAttribute("data-live-version");
    if (version) { evt.detail.headers["X-Live-Since"] = version; }
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    var config = evt.detail.requestConfig;
    var since = config && config.headers && config.headers["X-Live-Since"];
    var xhr = evt.detail.xhr;
    var adopted = since && evt.detail.successful && xhr && xhr.getResponseHeader("X-Live-Version");
    var live = document.getElementById("live");
    if (!adopted || !ownStepPath(live, config.path) || live.getAttribute("data-live-version") !== since) { return; }
    live.setAttribute("data-live-version", adopted);
  });

  // The interval is read from the page each time: boosted navigation (hx-boost) swaps the body
  // without loading this script again, so a value read once would be the first page's.
  function liveInterval(live) {
    return (live && Number(live.getAttribute("data-live-ms"))) || 5000;  // LIVE_POLL_SECONDS
  }
  function armLive() {
    var live = document.getElementById("live");
    liveArmedFor = live;
    window.clearTimeout(liveTimer);
    liveTimer = window.setTimeout(function () { livePoll(); armLive(); }, liveInterval(live));
  }
  armLive();
  document.addEventListener("htmx:afterSettle", function () {  // another page: its own interval at once
    if (document.getElementById("live") !== liveArmedFor) { armLive(); }
  });
  document.addEventListener("visibilitychange", livePoll);  // back on the tab: catch up at once
  document.addEventListener("board-assigned", function () {  // HX-Trigger of a bulk assignment
    document.querySelectorAll('input[name="ids"], [data-select-all]').forEach(function (box) { box.checked = false; });
    livePoll();
  });

  // ---- The bell: the person's unread notifications (templates/notifications/_bell.html) ----------
  // <a id="bell" data-bell-url data-bell-version data-bell-ms> asks every NOTIFY_POLL_SECONDS, while the
  // tab is visible, whether the person's notifications changed since its version (204: no, one Redis
  // read on the server); a 200 is the bell anew, morphed in (focus on the bell stays).
  var bellPending = false;
  var bellTimer = null;
  function bellPoll() {
    var bell = document.getElementById("bell");
    if (!bell || bellPending || document.visibilityState !== "visible") { return; }
    bellPending = true;
    var url = bell.getAttribute("data-bell-url") + "?since=" + encodeURIComponent(bell.getAttribute("data-bell-version") || "");
    window.fetch(url, {headers: pollHeaders(bell), credentials: "same-origin", cache: "no-store"})
      .then(function (resp) { keepPollToken(bell, resp); return resp.status === 200 ? resp.text() : null; })
      .then(function (html) {
        var now = document.getElementById("bell");
        var fresh = html && new DOMParser().parseFromString(html, "text/html").getElementById("bell");
        if (now && fresh) { Idiomorph.morph(now, fresh, {morphStyle: "outerHTML"}); }
      })
      .catch(function () { /* offline: the next poll asks again */ })
      .then(function () { bellPending = false; });
  }
  function armBell() {
    var bell = document.getElementById("bell");
    window.clearTimeout(bellTimer);
    if (!bell) { return; }
    bellTimer = window.setTimeout(function () { bellPoll(); armBell(); }, Number(bell.getAttribute("data-bell-ms")) || 15000);
  }
  armBell();
  document.addEventListener("visibilitychange", bellPoll);

  // What the user typed and has not sent yet: a live refresh leaves that form alone.
  document.addEventListener("input", function (evt) {
    var form = evt.target.closest && evt.target.closest("form");
    if (form && form.closest("#results, #wo")) { form.setAttribute("data-dirty", "1"); }
  });
  // Sent: a form's own POST (or its button's). A GET from inside it (the part search) sends
  // nothing the user typed, so the form stays dirty.
  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest("form");
    var verb = (evt.detail.requestConfig && evt.detail.requestConfig.verb) || "";
    if (form && evt.detail.successful && verb.toLowerCase() !== "get") { form.removeAttribute("data-dirty"); }
  });

  // The part picker: a search answer that lands after the user picked a part (a search started
  // before the pick, e.g. when a live refresh brought the form again) keeps that pick when the
  // part is still listed, so "Add part" sends what the user chose.
  var pickedPart = null;
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail.target;
    if (!target || target.id !== "part-options") { return; }
    var checked = target.querySelector('input[name="partId"]:checked');
    pickedPart = checked ? checked.value : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!pickedPart) { return; }
    var options = document.getElementById("part-options");
    var radio = options && options.querySelector('input[name="partId"][value="' + CSS.escape(pickedPart) + '"]');
    if (radio && !radio.checked) { radio.checked = true; }
    pickedPart = null;
  });

  // ---- Pickers (templates/work_orders/_asset_picker.html, portal/web/pickers.py) ----
  // The asset picker's search box asks for its own select (hx-get); its typing must not also
  // filter the list around it (the filter form reacts to input and change), and Enter in it must
  // not send the form it sits in (the new work order form).
  function keepPickerEventsHome(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("[data-picker-q]").forEach(function (box) {
      if (box._pickerHome) { return; }
      box._pickerHome = true;
      ["input", "change", "search"].forEach(function (name) {
        box.addEventListener(name, function (evt) { evt.stopPropagation(); });
      });
      box.addEventListener("keydown", function (evt) {
        if (evt.key === "Enter") { evt.preventDefault(); htmx.trigger(box, "search"); }
      });
    });
  }
  htmx.onLoad(keepPickerEventsHome);

  // A board row's assignee select carries only its current assignee; the page's people are
  // rendered once (<template id="assignee-options">) and copied into a select as it is opened
  // (focus, pointer, key), so a page of 100 rows does not carry 100 copies of the crew.
  function fillOptions(evt) {
    var select = evt.target.closest && evt.target.closest("select[data-options]");
    if (!select || select.getAttribute("data-filled") === "1") { return; }
    var source = document.querySelector(select.getAttribute("data-options"));
    if (!source) { return; }
    var have = {};
    Array.prototype.forEach.call(select.options, function (o) { have[o.value] = true; });
    var more = document.createDocumentFragment();
    Array.prototype.forEach.call(source.content.querySelectorAll("option"), function (o) {
      if (!have[o.value]) { more.appendChild(o.cloneNode(true)); }
    });
    select.appendChild(more);
    select.setAttribute("data-filled", "1");
  }
  ["focusin", "pointerdown", "mousedown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, fillOptions, true);
  });

  // "Select all on page" on the board ticks every row's checkbox of its form.
  document.addEventListener("change", function (evt) {
    var form = evt.target.getAttribute && evt.target.getAttribute("data-select-all");
    if (!form) { return; }
    document.querySelectorAll('input[name="ids"][form="' + form + '"]').forEach(function (box) {
      box.checked = evt.target.checked;
    });
  });

  // ---- The board's table: keys (templates/work_orders/board.html, docs/portal.md) ----
  // Up and down move between rows (the row itself takes the focus), Space ticks the row for the
  // bulk bar, Enter or "o" opens its work order. Keys typed into a field or a select stay theirs.
  document.addEventListener("keydown", function (evt) {
    var table = evt.target.closest && evt.target.closest("table[data-board-keys]");
    if (!table || evt.altKey || evt.ctrlKey || evt.metaKey) { return; }
    var row = evt.target.closest("tbody tr");
    var onRow = evt.target === row || (evt.target.matches("a.fo, input[name=ids]"));
    if (!onRow && !(evt.target.closest("thead") && evt.key === "ArrowDown")) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var at = row ? rows.indexOf(row) : -1;
    var next = null;
    if (evt.key === "ArrowDown") { next = rows[Math.min(at + 1, rows.length - 1)]; }
    else if (evt.key === "ArrowUp") { next = rows[Math.max(at - 1, 0)]; }
    else if (row && evt.key === " " && evt.target === row) {
      var box = row.querySelector("input[name=ids]");
      if (box) { box.click(); }
    } else if (row && (evt.key === "Enter" || evt.key === "o") && evt.target === row) {
      var link = row.querySelector("a.fo");
      if (link) { link.click(); }
    } else { return; }
    evt.preventDefault();
    if (next) { next.focus(); next.scrollIntoView({block: "nearest"}); }
  });

  // ---- PM template editor (templates/pm/editor.html) ----
  // A form marked data-unsaved keeps what was typed until "Save": its checklist buttons only
  // rearrange the form. Leaving it with changes asks first (page unload, and htmx-boosted links,
  // which never fire beforeunload).
  function dirtyForm() {
    return document.querySelector('form[data-unsaved="dirty"]');
  }

  function markDirty(evt) {
    var form = evt.target.closest && evt.target.closest("form[data-unsaved]");
    if (form) { form.setAttribute("data-unsaved", "dirty"); }
  }

  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var elt = evt.detail.elt;
    var form = elt.name === "op" && elt.closest("form[data-unsaved]");
    if (form) { form.setAttribute("data-unsaved", "dirty"); }  // an added, removed or moved item
  });
  document.addEventListener("submit", function (evt) {
    if (evt.target.hasAttribute && evt.target.hasAttribute("data-unsaved")) {
      evt.target.setAttribute("data-unsaved", "saving");
    }
  }, true);

  window.addEventListener("beforeunload", function (evt) {
    if (dirtyForm()) { evt.preventDefault(); evt.returnValue = ""; }
  });

  document.addEventListener("htmx:confirm", function (evt) {
    var form = dirtyForm();
    var elt = evt.detail.elt;
    // The form's own requests (its checklist buttons, the preview, Save) go on; any link leaves,
    // "Cancel" inside the form included.
    if (!form || (elt.tagName !== "A" && (form.contains(elt) || elt === form))) { return; }
    if (!window.confirm("This form has changes that are not saved. Leave without saving?")) {
      evt.preventDefault();
    } else {
      form.setAttribute("data-unsaved", "clean");
    }
  });

  // A search box filtering a list of checkboxes in place (data-filter-list="#list"); the list's
  // checked boxes are still submitted when hidden. A count of ticked boxes ([data-pick-count]).
  document.addEventListener("input", function (evt) {
    var box = evt.target;
    if (!box.matches || !box.matches("[data-filter-list]")) { return; }
    var list = document.querySelector(box.getAttribute("data-filter-list"));
    if (!list) { return; }
    var words = box.value.toLowerCase().trim();
    var shown = 0;
    Array.prototype.forEach.call(list.children, function (item) {
      var match = !words || item.textContent.toLowerCase().indexOf(words) !== -1;
      item.hidden = !match;
      if (match) { shown += 1; }
    });
    var empty = list.parentNode.querySelector("[data-filter-empty]");
    if (empty) { empty.hidden = shown !== 0; }
  });

  document.addEventListener("change", function (evt) {
    var section = evt.target.closest && evt.target.closest("section");
    var count = section && section.querySelector("[data-pick-count]");
    if (!count || evt.target.type !== "checkbox") { return; }
    count.textContent = section.querySelectorAll("input[type=checkbox]:checked").length + " selected";
  });

  // ---- Sign-off pad (templates/work_orders/_signoff.html) -------------------------------------
  // A canvas drawn on with pointer events (finger, stylus, mouse; CSS touch-action: none, so drawing
  // never scrolls the page). After each stroke the drawing goes into the form's hidden `signature`
  // input as a PNG data URL; the server judges it (a PNG, bounded, not blank). The form is shown
  // only where this runs (html.can-draw); elsewhere the fragment says signing needs such a screen.
  var canDraw = !!(window.PointerEvent && document.createElement("canvas").getContext);
  if (canDraw) { document.documentElement.classList.add("can-draw"); }
  var stroke = null;
  var INK = "#10151c";

  // The canvas's pixels follow its size on screen (at most 2 device pixels per CSS pixel: a sharp
  // line, a small PNG). A canvas already at that size keeps its drawing.
  function padFit(canvas) {
    var ratio = Math.min(window.devicePixelRatio || 1, 2);
    var w = Math.round(canvas.clientWidth * ratio), h = Math.round(canvas.clientHeight * ratio);
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
      padClear(canvas);
    }
    return ratio;
  }
  function padClear(canvas) {
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";  // white, not transparent: the PNG prints as drawn
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    var form = canvas.closest("form");
    var value = form && form.querySelector("[data-signpad-value]");
    if (value) { value.value = ""; }
  }
  function padPoint(canvas, evt) {
    var r = canvas.getBoundingClientRect();
    return {x: (evt.clientX - r.left) * canvas.width / r.width, y: (evt.clientY - r.top) * canvas.height / r.height};
  }
  document.addEventListener("pointerdown", function (evt) {
    var canvas = evt.target.closest && evt.target.closest("canvas[data-signpad]");
    if (!canvas || (evt.pointerType === "mouse" && evt.button !== 0)) { return; }
    evt.preventDefault();
    var ratio = padFit(canvas);
    canvas.setPointerCapture(evt.pointerId);
    var ctx = canvas.getContext("2d");
    ctx.strokeStyle = INK;
    ctx.fillStyle = INK;
    ctx.lineWidth = 2.5 * ratio;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    var p = padPoint(canvas, evt);
    ctx.beginPath();
    ctx.arc(p.x, p.y, ctx.lineWidth / 2, 0, 2 * Math.PI);
    ctx.fill();
    stroke = {canvas: canvas, ctx: ctx, last: p, id: evt.pointerId};
    var form = canvas.closest("form");
    if (form) { form.setAttribute("data-dirty", "1"); }  // a live refresh leaves the drawing alone
  });
  document.addEventListener("pointermove", function (evt) {
    if (!stroke || evt.pointerId !== stroke.id) { return; }
    evt.preventDefault();
    var events = (evt.getCoalescedEvents && evt.getCoalescedEvents()) || [];
    if (!events.length) { events = [evt]; }
    events.forEach(function (e) {
      var p = padPoint(stroke.canvas, e);
      stroke.ctx.beginPath();
      stroke.ctx.moveTo(stroke.last.x, stroke.last.y);
      stroke.ctx.lineTo(p.x, p.y);
      stroke.ctx.stroke();
      stroke.last = p;
    });
  });
  function strokeEnd(evt) {
    if (!stroke || evt.pointerId !== stroke.id) { return; }
    var canvas = stroke.canvas;
    stroke = null;
    var form = canvas.closest("form");
    var value = form && form.querySelector("[data-signpad-value]");
    if (value) { value.value = canvas.toDataURL("image/png"); }
  }
  document.addEventListener("pointerup", strokeEnd);
  document.addEventListener("pointercancel", strokeEnd);
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-signpad-clear]");
    var form = button && button.closest("form");
    var canvas = form && form.querySelector("canvas[data-signpad]");
    if (canvas) { padFit(canvas); padClear(canvas); }
  });

  // ---- The work page (templates/work_orders/detail.html) -------------------------------------
  // Facts folded on phones, open from 768 px on: a <details data-open-wide> comes closed from the
  // server (phones first, and closed without script); each time one arrives (page load, a swap)
  // it is opened on a wide screen. A live refresh morphs and keeps what the user opened or closed.
  htmx.onLoad(function (root) {
    if (!window.matchMedia("(min-width: 768px)").matches) { return; }
    var found = root.matches && root.matches("details[data-open-wide]") ? [root] : [];
    Array.prototype.push.apply(found, root.querySelectorAll ? root.querySelectorAll("details[data-open-wide]") : []);
    found.forEach(function (details) { details.open = true; });
  });

  // Printed, a work order shows its facts and history whatever is folded on screen; afterwards
  // the page is as the user left it.
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    openedForPrint = Array.prototype.filter.call(document.querySelectorAll("details[data-print-open]:not([open])"),
      function (details) { details.open = true; return true; });
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (details) { details.open = false; });
    openedForPrint = [];
  });

  // Focus the first control of `box` that can take it (the page scrolls it into view, below the
  // sticky bar thanks to scroll-margin-top).
  function focusFirst(box) {
    var field = box.querySelector("input:not([type=hidden]):not([disabled]), textarea:not([disabled]), button:not([disabled])");
    (field || box).focus();
    if (!field) { box.scrollIntoView({ block: "start" }); }
  }

  document.addEventListener("click", function (evt) {
    var link = evt.target.closest && evt.target.closest("a[data-reveal], a[data-goto-item]");
    if (!link) { return; }
    if (link.hasAttribute("data-reveal")) {
      // The bar's "Complete…": open the completion form below and put the caret in it.
      var details = document.querySelector(link.getAttribute("data-reveal"));
      if (!details) { return; }
      evt.preventDefault();
      details.open = true;
      focusFirst(details.querySelector("form") || details);
      return;
    }
    // A refused completion's missing item: jump to it, mark it, focus its control.
    var item = document.getElementById(link.getAttribute("href").slice(1));
    if (!item) { return; }
    evt.preventDefault();
    document.querySelectorAll(".is-target").forEach(function (el) { el.classList.remove("is-target"); });
    item.classList.add("is-target");
    if (!item.hasAttribute("tabindex")) { item.setAttribute("tabindex", "-1"); }
    focusFirst(item);
  });

  // An item of that list done since (its row answered ticked): off the list, and the list gone when
  // nothing is missing any more. The live poll used to redraw the page after each tick and drop the
  // list; a tick's own answer now keeps the page's version (X-Live-Version above), so the list is
  // kept up to date here.
  document.addEventListener("htmx:afterSettle", function () {
    var box = document.getElementById("missing-items");
    if (!box) { return; }
    box.querySelectorAll("a[data-goto-item]").forEach(function (link) {
      var row = document.getElementById(link.getAttribute("href").slice(1));
      if (row && row.classList.contains("done")) { link.closest("li").remove(); }
    });
    if (!box.querySelector("li")) { box.remove(); }
  });
})();
