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
    // Requests made from the page carry the session's CSRF token (the cookie is
    // HttpOnly, so the page hands the token over in data-csrf-token).
    requestInterceptor: function (request) {
      request.headers["X-CSRFToken"] = target.dataset.csrfToken;
      return request;
    },
  });
})();
