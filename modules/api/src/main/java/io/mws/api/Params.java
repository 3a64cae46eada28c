package io.mws.api;

import io.mws.protocol.ApiRequest;

/** Typed query parameters, each answered with a 400 that names the parameter when it is malformed. */
final class Params {
  private Params() {}

  static int intParam(ApiRequest request, String name, int fallback, int min, int max) {
    long value = longParam(request, name, fallback, min, max);
    return (int) value;
  }

  static long longParam(ApiRequest request, String name, long fallback, long min, long max) {
    var raw = request.param(name);
    if (raw == null || raw.isEmpty()) return fallback;
    long value;
    try {
      value = Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw Paging.badParam(name, "must be a whole number");
    }
    if (value < min || value > max) throw Paging.badParam(name, "must be between " + min + " and " + max);
    return value;
  }

  static boolean boolParam(ApiRequest request, String name, boolean fallback) {
    var raw = request.param(name);
    if (raw == null || raw.isEmpty()) return fallback;
    if (raw.equals("true") || raw.equals("1")) return true;
    if (raw.equals("false") || raw.equals("0")) return false;
    throw Paging.badParam(name, "must be true or false");
  }
}
