package io.mws.api;

import io.mws.protocol.HttpDate;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The admin console ({@code /console}, docs/console.md): static files the jar carries under
 * {@code console/} (the MWS JS client among them, copied by the build from clients/js/src). It holds no
 * secret and needs no credentials: the page signs in against the REST API. Every answer carries a
 * Content-Security-Policy that admits only this origin's scripts and styles (no inline code, no
 * framing), so an injected string can run nothing and no other site can frame the console.
 */
final class ConsoleFiles {
  static final String PREFIX = "/console";
  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  /** A file name: no "..", no hidden files, only the types below. */
  private static final Pattern FILE = Pattern
      .compile("(?:[a-z0-9_-]+/)*[a-z0-9_-]+(?:\\.[a-z0-9_-]+)*\\.(html|js|css|svg)");
  private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "svg", "image/svg+xml");

  private final Vertx vertx;

  ConsoleFiles(Vertx vertx) {
    this.vertx = vertx;
  }

  static boolean serves(String path) {
    return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
  }

  void handle(HttpServerRequest req) {
    var response = req.response().putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff").putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY").putHeader("Cache-Control", "no-cache")
        .putHeader("Date", HttpDate.now());
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      response.putHeader("Allow", "GET, HEAD");
      error(req, 405, "method_not_allowed", "The console answers GET and HEAD only.");
      return;
    }
    var name = req.path().length() <= PREFIX.length() + 1 ? "index.html" : req.path().substring(PREFIX.length() + 1);
    var matcher = FILE.matcher(name);
    if (!matcher.matches()) {
      error(req, 404, "not_found", "There is no console file at " + req.path() + ".");
      return;
    }
    var type = TYPES.get(matcher.group(1));
    var resource = getClass().getClassLoader().getResource("console/" + name);
    if (resource == null) {
      error(req, 404, "not_found", "There is no console file at " + req.path() + ".");
      return;
    }
    vertx.executeBlocking(() -> {
      try (var in = resource.openStream()) {
        return in.readAllBytes();
      }
    }).onComplete(ar -> {
      if (ar.failed()) {
        error(req, 500, "internal_error", "The console file could not be read.");
        return;
      }
      response.setStatusCode(200).putHeader("Content-Type", type);
      if (req.method() == HttpMethod.HEAD) {
        response.putHeader("Content-Length", String.valueOf(ar.result().length)).end();
      } else {
        response.end(io.vertx.core.buffer.Buffer.buffer(ar.result()));
      }
    });
  }

  private static void error(HttpServerRequest req, int status, String reason, String message) {
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", new JsonObject().put("reason", reason).put("message", message)).encode());
  }
}
