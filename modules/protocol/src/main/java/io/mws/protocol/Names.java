package io.mws.protocol;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The naming rule of docs/API.md, "2. Conventions" for vhosts, channels and uids: {@code
 * [A-Za-z0-9_.:@-]{1,128}},
 * except {@code .} and {@code ..} (path segments that mean "here" and "up" to every URL resolver, so a
 * resource of that name could not be addressed reliably).
 */
public final class Names {
  private Names() {}

  // A fixed, linear pattern of our own (not user input), so java.util.regex is safe here.
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:@-]{1,128}");
  /**
   * Vhost names that would shadow the server's own top-level paths, in lower case; compared ignoring case
   * ({@code apps}: Pusher's HTTP API, docs/pusher.md).
   */
  public static final Set<String> RESERVED_VHOSTS = Set.of("v1", "healthz", "readyz", "metrics", "console", "apps");

  public static boolean isValid(String name) {
    return name != null && NAME.matcher(name).matches() && !name.equals(".") && !name.equals("..");
  }

  public static boolean isValidVhost(String name) {
    return isValid(name) && !isReservedVhost(name);
  }

  /** Whether the name is a reserved vhost name in any letter case ({@code V1}, {@code HealthZ}). */
  public static boolean isReservedVhost(String name) {
    return name != null && RESERVED_VHOSTS.contains(name.toLowerCase(Locale.ROOT));
  }

  public static final String RULE = "must be 1 to 128 characters of A-Z a-z 0-9 _ . : @ -, and not '.' or '..'";
}
