package io.mws.api;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiRequest;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code X-HTTP-Method-Override} (the MaxScale seed): a PUT carrying {@code POST}, {@code PATCH} or
 * {@code DELETE} performs that method, for clients and proxies that can send only GET and PUT. On any
 * other method, or naming any other method, it is refused (400), never silently ignored: a client that
 * believes it deleted something must not have read it instead. Transport-free, so a request sent over
 * WebSocket is treated the same; applying it twice is harmless (the header goes once it is used).
 */
final class MethodOverride {
  static final String HEADER = "x-http-method-override";
  private static final Set<String> PERFORMED = Set.of("POST", "PATCH", "DELETE");

  private MethodOverride() {}

  static ApiRequest apply(ApiRequest request) {
    var override = request.header(HEADER);
    if (override == null) return request;
    var wanted = override.strip().toUpperCase(Locale.ROOT);
    if (!request.method().equals("PUT")) {
      throw ApiError.badRequest("invalid_method_override",
          "X-HTTP-Method-Override is honoured only on a PUT (it performs POST, PATCH or DELETE); this request is a "
              + request.method() + ".");
    }
    if (!PERFORMED.contains(wanted)) {
      throw ApiError.badRequest("invalid_method_override",
          "X-HTTP-Method-Override on a PUT may be POST, PATCH or DELETE.");
    }
    var headers = new TreeMap<>(request.headers());
    headers.remove(HEADER);
    return new ApiRequest(wanted, request.path(), request.query(), headers, request.body());
  }
}
