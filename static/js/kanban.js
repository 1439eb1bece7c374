// The board's kanban (templates/work_orders/board.html): a card dragged to another lane asks the
// server to move it (POST its data-move-url with the lane's status), exactly what the card's Move
// menu does from the keyboard. Pointer events, so a mouse, a pen and a finger drag alike: a finger
// drags by the card's grip (the rest of the card scrolls the page as usual), a mouse by the whole
// card. Nothing moves before the server says yes: its answer redraws the lanes, or gives the card
// back where it was with the reason on it.
(function () {
  "use strict";
  if (window.MaintainProKanban) { return; }  // loaded again by a boosted navigation
  window.MaintainProKanban = true;

  var THRESHOLD = 6;  // px the pointer travels before a press becomes a drag (a click stays a click)
  var EDGE = 48;      // px from the lanes' box edge where a drag scrolls it
  var drag = null;

  function laneAt(x, y) {
    var el = document.elementFromPoint(x, y);
    return el && el.closest ? el.closest(".kanban-lane[data-status]") : null;
  }

  function mark(lane) {
    document.querySelectorAll(".kanban-lane.drop-target").forEach(function (l) {
      if (l !== lane) { l.classList.remove("drop-target"); }
    });
    if (lane && drag && lane.getAttribute("data-status") !== drag.card.getAttribute("data-status")) {
      lane.classList.add("drop-target");
    }
  }

  function end() {
    if (!drag) { return; }
    if (drag.ghost) { drag.ghost.remove(); }
    drag.card.classList.remove("dragging");
    window.cancelAnimationFrame(drag.scrollFrame);
    mark(null);
    drag = null;
  }

  function autoScroll() {
    if (!drag || !drag.ghost) { return; }
    var box = drag.card.closest(".kanban");
    if (box) {
      var r = box.getBoundingClientRect();
      if (drag.x < r.left + EDGE) { box.scrollLeft -= 12; } else if (drag.x > r.right - EDGE) { box.scrollLeft += 12; }
    }
    drag.scrollFrame = window.requestAnimationFrame(autoScroll);
  }

  document.addEventListener("pointerdown", function (evt) {
    if (evt.button !== 0 || drag) { return; }
    var card = evt.target.closest && evt.target.closest(".kanban-card[data-move-url]");
    if (!card) { return; }
    var onGrip = !!evt.target.closest(".kanban-grip");
    // Controls keep their own clicks; a touch drags only by the grip (else the page could not scroll).
    if (!onGrip && (evt.pointerType !== "mouse" || evt.target.closest("a, button, input, select, label, summary, details[open], textarea"))) { return; }
    drag = {card: card, id: evt.pointerId, startX: evt.clientX, startY: evt.clientY, x: evt.clientX, ghost: null};
    evt.preventDefault();  // no text selection across the lanes while dragging
  });

  document.addEventListener("pointermove", function (evt) {
    if (!drag || evt.pointerId !== drag.id) { return; }
    drag.x = evt.clientX;
    if (!drag.ghost) {
      if (Math.abs(evt.clientX - drag.startX) + Math.abs(evt.clientY - drag.startY) < THRESHOLD) { return; }
      var r = drag.card.getBoundingClientRect();
      drag.dx = drag.startX - r.left;
      drag.dy = drag.startY - r.top;
      drag.ghost = drag.card.cloneNode(true);
      drag.ghost.removeAttribute("id");
      drag.ghost.classList.add("kanban-ghost");
      drag.ghost.setAttribute("aria-hidden", "true");
      drag.ghost.style.width = r.width + "px";
      document.body.appendChild(drag.ghost);
      drag.card.classList.add("dragging");
      drag.scrollFrame = window.requestAnimationFrame(autoScroll);
    }
    evt.preventDefault();
    drag.ghost.style.transform = "translate(" + (evt.clientX - drag.dx) + "px, " + (evt.clientY - drag.dy) + "px)";
    mark(laneAt(evt.clientX, evt.clientY));
  });

  document.addEventListener("pointerup", function (evt) {
    if (!drag || evt.pointerId !== drag.id) { return; }
    var card = drag.card;
    var moved = !!drag.ghost;
    var lane = moved ? laneAt(evt.clientX, evt.clientY) : null;
    end();
    if (!lane) { return; }
    var status = lane.getAttribute("data-status");
    if (status === card.getAttribute("data-status")) { return; }
    var back = card.querySelector('input[name="back"]');
    card.classList.add("moving");
    htmx.ajax("POST", card.getAttribute("data-move-url"), {
      source: card, target: "#board-msg", swap: "outerHTML",
      values: {status: status, back: back ? back.value : ""}
    }).then(function () { card.classList.remove("moving"); });
  });

  // A new move: the reasons of earlier refusals go (the answer puts one back if this one is refused too).
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var elt = evt.detail.elt;
    if (!elt || !elt.closest || !elt.closest(".kanban")) { return; }
    document.querySelectorAll(".kanban-card.refused").forEach(function (card) {
      card.classList.remove("refused", "snap-back");
      var note = card.querySelector(".kanban-note");
      if (note) { note.remove(); }
    });
  });

  document.addEventListener("pointercancel", end);
  document.addEventListener("keydown", function (evt) { if (evt.key === "Escape") { end(); } });
  // A drag that began on a card's text would otherwise select it (or start the browser's own drag).
  document.addEventListener("dragstart", function (evt) {
    if (evt.target.closest && evt.target.closest(".kanban-card")) { evt.preventDefault(); }
  });

  // After a move (the bar's line names the card: data-card, data-moved): the focus goes to the card
  // where it now is, or to the refused card (to its hold reason when one is asked), so a keyboard
  // user carries on from it; a refused drop shakes back into place.
  document.addEventListener("htmx:afterSettle", function () {
    var msg = document.getElementById("board-msg");
    var id = msg && msg.getAttribute("data-card");
    if (!id) { return; }
    msg.removeAttribute("data-card");
    var card = document.getElementById("card-" + id);
    if (!card) { return; }
    var moved = msg.getAttribute("data-moved") === "1";
    if (!moved) { card.classList.add("snap-back"); }
    var field = card.querySelector(".kanban-hold select, .kanban-hold input:not([type=hidden])");
    (field || card).focus({preventScroll: !field});
    if (!field) { card.scrollIntoView({block: "nearest", inline: "nearest"}); }
  });
})();
