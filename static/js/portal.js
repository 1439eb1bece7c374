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

  document.addEventListener("htmx:sendError", function () {
    toast("No connection to the server. Check the network and try again.");
  });

  // A "Print" button (data-print), e.g. the KPI dashboard's: the print stylesheet does the rest.
  document.addEventListener("click", function (evt) {
    if (evt.target.closest && evt.target.closest("[data-print]")) { window.print(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) {
      // 422 answers carry the form again with errors next to the fields: swap them in.
      htmx.config.responseHandling = [
        {code: "204", swap: false},
        {code: "[23]..", swap: true},
        {code: "422", swap: true},
        {code: "[45]..", swap: false, error: true}
      ];
    }
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
})();
