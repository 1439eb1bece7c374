// The weekly plan's drag and drop (templates/planner/index.html): a backlog row dropped on a day of a
// person picks that "day|person" in the row's own select and submits the row's form, exactly what
// the keyboard and no-JavaScript path does with the select and the Schedule button.
(function () {
  "use strict";
  let dragged = null;
  document.addEventListener("dragstart", function (e) {
    const row = e.target.closest && e.target.closest(".plan-wo[data-wo]");
    if (!row) return;
    dragged = row;
    e.dataTransfer.setData("text/plain", row.dataset.wo);
    e.dataTransfer.effectAllowed = "move";
  });
  document.addEventListener("dragend", function () {
    dragged = null;
    document.querySelectorAll(".plan-cell.drop").forEach(function (c) { c.classList.remove("drop"); });
  });
  document.addEventListener("dragover", function (e) {
    const cell = dragged && e.target.closest && e.target.closest(".plan-cell[data-slot]");
    if (!cell) return;
    e.preventDefault();
    cell.classList.add("drop");
  });
  document.addEventListener("dragleave", function (e) {
    const cell = e.target.closest && e.target.closest(".plan-cell");
    if (cell) cell.classList.remove("drop");
  });
  document.addEventListener("drop", function (e) {
    const cell = dragged && e.target.closest && e.target.closest(".plan-cell[data-slot]");
    if (!cell) return;
    e.preventDefault();
    const form = dragged.querySelector("form.plan-form");
    const slot = form && form.querySelector("select[name=slot]");
    if (!slot) return;
    slot.value = cell.dataset.slot;
    if (slot.value !== cell.dataset.slot) return; // a weekend day: not offered in the select
    form.requestSubmit();
  });
})();
