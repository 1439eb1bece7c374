// The scan page (templates/web/scan.html): the rear camera, a QR code read a few times a second,
// and the asset it names opened. The browser's BarcodeDetector where it has one for QR codes (Chrome
// on Android, Safari 17+), else jsQR (static/vendor/jsQR-1.4.0.js). The server decides what a code
// names (/scan/open answers {url} or {message}): a code that is not ours is said in words and the
// camera keeps looking. getUserMedia needs a secure context: HTTPS, or localhost while developing.
(function () {
  "use strict";
  if (window.MaintainProScan) { return; }  // loaded again by a page swap: one copy is enough

  var SCAN_EVERY_MS = 150;
  var SAME_CODE_QUIET_MS = 4000;  // a refused code is not asked about again while it stays in view
  var MAX_DECODE_SIDE = 640;      // jsQR's cost grows with pixels; the code fills much of the frame
  var AIM = 0.75;                 // the middle square the page asks to aim at, as a share of the short side

  var state = null;

  function say(root, text, problem) {
    var status = root.querySelector(".scan-status");
    status.textContent = text;
    status.classList.toggle("error", Boolean(problem));
  }

  function offerTyping(root, text) {
    say(root, text, true);
    root.querySelector(".scan-view").hidden = true;
    var field = document.getElementById("f-code");
    if (field) { field.focus(); }
  }

  function stop() {
    if (!state) { return; }
    state.stopped = true;
    window.clearTimeout(state.timer);
    if (state.stream) { state.stream.getTracks().forEach(function (track) { track.stop(); }); }
    state = null;
  }

  function cameraProblem(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") {
      return "The camera was not allowed. Allow it for this site in the browser's settings and reload, or type the asset tag below.";
    }
    if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") {
      return "No camera found on this device. Type the asset tag below.";
    }
    if (name === "NotReadableError" || name === "AbortError") {
      return "The camera is busy (another app may be using it). Close that app and reload, or type the asset tag below.";
    }
    return "The camera could not be started. Type the asset tag below.";
  }

  // BarcodeDetector when it reads QR codes here; else a canvas and jsQR.
  function makeReader(video) {
    function jsqrReader() {
      var canvas = document.createElement("canvas");
      var context = canvas.getContext("2d", { willReadFrequently: true });
      var decode = function (source, x, y, width, height) {
        var scale = Math.min(1, MAX_DECODE_SIDE / Math.max(width, height));
        canvas.width = Math.round(width * scale);
        canvas.height = Math.round(height * scale);
        context.drawImage(source, x, y, width, height, 0, 0, canvas.width, canvas.height);
        var image = context.getImageData(0, 0, canvas.width, canvas.height);
        var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        return found ? found.data : null;
      };
      return {
        engine: "jsqr",
        // The middle square first: a label has two codes, and jsQR, shown both, may take the
        // corner squares of one for the other's. Then the whole picture, for a code held off-centre.
        read: function () {
          if (!window.jsQR || !video.videoWidth) { return Promise.resolve(null); }
          var w = video.videoWidth, h = video.videoHeight, side = Math.round(Math.min(w, h) * AIM);
          var middle = decode(video, (w - side) / 2, (h - side) / 2, side, side);
          return Promise.resolve(middle || decode(video, 0, 0, w, h));
        }
      };
    }
    if (!("BarcodeDetector" in window) || !window.BarcodeDetector.getSupportedFormats) {
      return Promise.resolve(jsqrReader());
    }
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") < 0) { return jsqrReader(); }
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return {
        engine: "barcode-detector",
        read: function () {
          return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
        }
      };
    }, jsqrReader);
  }

  function ask(root, code) {
    var url = root.getAttribute("data-open-url") + "?code=" + encodeURIComponent(code);
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (resp) {
      var type = resp.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") < 0) {
        return { message: "Your session ended. Log in again, then scan." };
      }
      return resp.json();
    });
  }

  function start(root) {
    stop();
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      offerTyping(root, "The camera works only over a secure (https://) connection to the portal. Type the asset tag below.");
      return;
    }
    var video = root.querySelector(".scan-video");
    var mine = { stopped: false, timer: 0, stream: null, lastCode: "", lastAt: 0 };
    state = mine;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (stream) {
        mine.stream = stream;
        if (mine.stopped) { stream.getTracks().forEach(function (track) { track.stop(); }); return null; }
        video.srcObject = stream;
        root.querySelector(".scan-view").hidden = false;
        return video.play().then(function () { return makeReader(video); });
      })
      .then(function (reader) {
        if (!reader || mine.stopped) { return; }
        root.setAttribute("data-scan-engine", reader.engine);
        say(root, "Point the camera at the big code on the asset's label.", false);
        var tick = function () {
          if (mine.stopped) { return; }
          reader.read().then(function (code) {
            if (mine.stopped || !code) { return; }
            var now = Date.now();
            if (code === mine.lastCode && now - mine.lastAt < SAME_CODE_QUIET_MS) { return; }
            mine.lastCode = code;
            mine.lastAt = now;
            say(root, "Code read. Opening…", false);
            return ask(root, code).then(function (answer) {
              if (answer.url) {
                stop();
                window.location.assign(answer.url);
              } else {
                say(root, answer.message, true);
              }
            }, function () {
              say(root, "No connection to the server. Check the network; the camera keeps looking.", true);
            });
          }).catch(function () { /* a frame that could not be read: try the next one */ })
            .then(function () {
              if (!mine.stopped) { mine.timer = window.setTimeout(tick, SCAN_EVERY_MS); }
            });
        };
        tick();
      })
      .catch(function (error) {
        if (mine.stopped) { return; }
        stop();
        offerTyping(root, cameraProblem(error));
      });
  }

  function init() {
    var root = document.querySelector("[data-scan]");
    if (root && !root.hasAttribute("data-scan-started")) {
      root.setAttribute("data-scan-started", "");
      start(root);
    }
  }

  window.MaintainProScan = { stop: stop };
  // Leaving the page, or htmx swapping it away: the camera (and its light) go off at once.
  window.addEventListener("pagehide", stop);
  document.addEventListener("htmx:beforeSwap", stop);
  document.addEventListener("htmx:load", init);
  document.addEventListener("visibilitychange", function () {
    var root = document.querySelector("[data-scan]");
    if (document.hidden) {
      stop();
      if (root) { root.removeAttribute("data-scan-started"); }
    } else {
      init();
    }
  });
  // Back to the page from the browser's cache (bfcache): pagehide stopped the camera.
  window.addEventListener("pageshow", function (evt) {
    var root = document.querySelector("[data-scan]");
    if (evt.persisted && root) { root.removeAttribute("data-scan-started"); init(); }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
