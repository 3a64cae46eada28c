package io.mws.testsupport;

import io.vertx.core.json.JsonObject;
import java.util.ServiceLoader;

/**
 * A check every WebSocket reply a {@link WatchClient} request gets goes through, found with
 * {@link ServiceLoader}: modules/server registers one that validates the reply against openapi.json
 * (META-INF/services in its test resources), so the module stays independent of the server's.
 */
public interface ReplyCheck {
  void check(JsonObject request, JsonObject reply);

  /** The registered checks, all applied; none on a module's test classpath that registers none. */
  static ReplyCheck registered() {
    var checks = ServiceLoader.load(ReplyCheck.class).stream().map(ServiceLoader.Provider::get).toList();
    return (request, reply) -> checks.forEach(check -> check.check(request, reply));
  }
}
