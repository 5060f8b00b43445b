/*
 * An import's progress page: ask the job's status every second and a half, move
 * the progress bar, and reload the page once the state changes (the server then
 * renders the preview, the outcome or the problems). Without JavaScript the page
 * refreshes itself every few seconds instead (a <meta> refresh in <noscript>).
 */
(function () {
  "use strict";

  var box = document.getElementById("import-progress");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var state = box.getAttribute("data-state");
  var bar = box.querySelector("progress");
  var count = box.querySelector("[data-progress-count]");
  var label = box.querySelector("[data-state-label]");
  var failures = 0;

  function show(status) {
    if (label) {
      label.textContent = status.label;
    }
    if (bar && status.total > 0) {
      bar.max = status.total;
      bar.value = status.done;
    }
    if (count && status.total > 0) {
      count.textContent =
        status.done.toLocaleString() + " of " + status.total.toLocaleString() + " lines";
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (status) {
        failures = 0;
        if (status.state !== state) {
          window.location.reload();
          return;
        }
        show(status);
        window.setTimeout(poll, 1500);
      })
      .catch(function () {
        // A server restarting, a network blip: ask again, less often.
        failures += 1;
        window.setTimeout(poll, Math.min(1500 * Math.pow(2, failures), 30000));
      });
  }

  window.setTimeout(poll, 1500);
})();
