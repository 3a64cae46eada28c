package io.mws.api;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiResponse;
import io.vertx.core.Future;
import java.util.List;
import java.util.function.Function;

/**
 * One method on one path template ({@code /v1/vhosts/{vhost}}). A streaming route (SSE) is answered
 * by the HTTP adapter itself, since it needs the live connection; over the event bus it is refused.
 */
record Route(String method, List<String> segments, Function<ApiCall, Future<ApiResponse>> handler, boolean streaming,
    boolean conditional) {

  static Route of(String method, String template, Function<ApiCall, Future<ApiResponse>> handler) {
    return new Route(method, split(template), handler, false, false);
  }

  /**
   * A route of the WebRocket backend API ({@code /{vhost}/...}), which keeps WebRocket's statuses: a
   * request whose body or parameters are invalid is 400 there (the JSON:API paths answer 422), with the
   * single-error body naming the first problem and the property it is in.
   */
  static Route webRocket(String method, String template, Function<ApiCall, Future<ApiResponse>> handler) {
    return of(method, template, call -> {
      Future<ApiResponse> answer;
      try {
        answer = handler.apply(call);
      } catch (RuntimeException e) {
        answer = Future.failedFuture(e);
      }
      return answer.recover(failure -> {
        var error = ApiError.from(failure);
        if (error.status() != 422) return Future.failedFuture(failure);
        var first = error.body().getJsonArray("errors").getJsonObject(0);
        return Future.failedFuture(ApiError.badRequest(first.getString("reason"),
            first.getString("message") + " (property " + first.getString("property") + ")"));
      });
    });
  }

  /** A write whose handler decides If-Match and If-Unmodified-Since itself, atomically ({@link ConditionalWrite}). */
  static Route conditional(String method, String template, Function<ApiCall, Future<ApiResponse>> handler) {
    return new Route(method, split(template), handler, false, true);
  }

  static Route stream(String template) {
    return new Route("GET", split(template), null, true, false);
  }

  static List<String> split(String template) {
    return template.equals("/") ? List.of() : List.of(template.substring(1).split("/"));
  }

  boolean isParameter(int index) {
    return segments.get(index).startsWith("{");
  }

  String parameterName(int index) {
    var s = segments.get(index);
    return s.substring(1, s.length() - 1);
  }
}
