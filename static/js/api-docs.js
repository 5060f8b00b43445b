/*
 * The API documentation page: Swagger UI (drf-spectacular-sidecar's copy, served
 * from our own static files) reads the OpenAPI schema whose address the page puts
 * in data-schema-url. A file, not an inline script, so the strict CSP holds.
 */
(function () {
  "use strict";

  var target = document.getElementById("swagger-ui");
  if (!target || typeof window.SwaggerUIBundle === "undefined") {
    return;
  }
  window.SwaggerUIBundle({
    url: target.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    // Requests made from the page carry the session's CSRF token.
    requestInterceptor: function (request) {
      var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      if (match) {
        request.headers["X-CSRFToken"] = decodeURIComponent(match[1]);
      }
      return request;
    },
  });
})();
