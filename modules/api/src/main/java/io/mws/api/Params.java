package io.mws.api;

import io.mws.protocol.ApiRequest;

/**
 * Typed query parameters. Their values were validated against openapi.json before the handler ran
 * ({@link ContractValidation}: type and range there, 400 {@code invalid_parameter} naming the
 * parameter), so they are only read here.
 */
final class Params {
  private Params() {}

  static int intParam(ApiRequest request, String name, int fallback) {
    return (int) longParam(request, name, fallback);
  }

  static long longParam(ApiRequest request, String name, long fallback) {
    var raw = request.param(name);
    return raw == null || raw.isEmpty() ? fallback : Long.parseLong(raw);
  }

  static boolean boolParam(ApiRequest request, String name, boolean fallback) {
    var raw = request.param(name);
    return raw == null || raw.isEmpty() ? fallback : Boolean.parseBoolean(raw);
  }
}
