// The API reference: Swagger UI (served by this server, no internet needed) on this server's
// spec. Logging in from the page ("POST /backend/api/v1/login", then Execute) sets the session
// cookie, which the browser sends with every later call; the token is also put into the
// "Authorize" dialog as x-auth-token, so that the calls and their curl lines show it.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: true,
  persistAuthorization: true,
  // The validator badge would send the spec to an outside service.
  validatorUrl: null,
  responseInterceptor: (response) => {
    const token = response.headers && response.headers["x-auth-token"];
    if (token && response.url && response.url.endsWith("/backend/api/v1/login")) {
      window.ui.preauthorizeApiKey("x-auth-token", token);
    }
    return response;
  },
});
