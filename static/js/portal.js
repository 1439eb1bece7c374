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
})();
