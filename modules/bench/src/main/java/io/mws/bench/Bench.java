package io.mws.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The load generator's command line: {@code java -jar bench.jar scenario=fanout targets=mws,nchan,soketi,baseline
 * rounds=2 out=bench/results/fanout.json mws.port=... nchan.port=... ...}. Targets run in turn, A B A B, with the
 * same parameters; one JSON file and one Markdown table per scenario.
 */
public final class Bench {
  static final List<String> METRICS = List.of("delivered_per_s", "p50_ms", "p99_ms", "max_ms", "lost", "rss_mb");

  public static void main(String[] args) throws Exception {
    var a = new LinkedHashMap<String, String>();
    for (var arg : args) {
      int eq = arg.indexOf('=');
      if (eq < 0) throw new IllegalArgumentException("expected key=value, got " + arg);
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    var vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Integer.parseInt(a.getOrDefault("loops", "2"))));
    try {
      var doc = run(vertx, a);
      var out = Path.of(a.getOrDefault("out", "bench/results/" + doc.getString("scenario") + ".json"));
      write(doc, out);
      System.out.println(markdown(doc));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
    System.exit(0);
  }

  static int i(Map<String, String> a, String k, int d) {
    return Integer.parseInt(a.getOrDefault(k, String.valueOf(d)));
  }

  public static Scenario.Params params(Map<String, String> a) {
    return new Scenario.Params(i(a, "subscribers", 1000), i(a, "channels", 10), i(a, "rate", 100), i(a, "seconds", 10),
        i(a, "payload", 100), i(a, "connect_concurrency", 100), i(a, "max_in_flight", 1000), i(a, "churn", 0),
        i(a, "drain", 10));
  }

  static Target target(Vertx vertx, String name, Map<String, String> a) {
    var host = a.getOrDefault(name + ".host", "127.0.0.1");
    int pool = i(a, "http_pool", 32);
    return switch (name) {
      case "mws" -> new MwsTarget(vertx, host, i(a, "mws.port", 8080), i(a, "mws.subport", i(a, "mws.port", 8080)),
          a.getOrDefault("mws.password", "admin"), pool);
      case "mws-pusher" -> new MwsPusherTarget(vertx, host, i(a, "mws-pusher.port", i(a, "mws.port", 8080)),
          a.getOrDefault("mws.password", "admin"), pool);
      case "nchan" -> new PathTarget(vertx, "nchan", host, i(a, "nchan.port", 18090), pool);
      case "baseline" -> new PathTarget(vertx, "baseline", host, i(a, "baseline.port", 18091), pool);
      case "soketi" -> new SoketiTarget(vertx, host, i(a, "soketi.port", 6001), a.getOrDefault("soketi.app", "app-id"),
          a.getOrDefault("soketi.key", "app-key"), a.getOrDefault("soketi.secret", "app-secret"), pool);
      default -> throw new IllegalArgumentException("unknown target " + name);
    };
  }

  /** Runs the scenario against every target, round after round, and returns the result document. */
  public static JsonObject run(Vertx vertx, Map<String, String> a) throws Exception {
    var scenarioName = a.getOrDefault("scenario", "fanout");
    var p = params(a);
    var scenario = new Scenario(vertx, p);
    var names = List.of(a.getOrDefault("targets", "mws").split(","));
    var targets = new ArrayList<Target>();
    for (var n : names) targets.add(target(vertx, n, a));
    int rounds = i(a, "rounds", 2);
    var results = new JsonArray();
    String tag = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    // Warm-up (JIT on both sides, pools): a short fan-out per target, not recorded.
    if (i(a, "warmup", 0) > 0) {
      var w = new Scenario(vertx,
          new Scenario.Params(Math.min(p.subscribers(), 200), p.channels(), p.rate(), i(a, "warmup", 0),
              p.payload(), p.connectConcurrency(), p.maxInFlight(), 0, p.drainSeconds()));
      for (var t : targets) {
        try {
          System.err.println("[bench] warm-up " + t.name() + ": " + w.fanout(t, "b" + tag + "w", null, false).encode());
        } catch (Exception e) {
          System.err.println("[bench] warm-up " + t.name() + " failed: " + e);
        }
      }
    }
    for (int r = 1; r <= rounds; r++) {
      for (var t : targets) {
        var pidFile = a.get(t.name() + ".pidfile");
        var server = pidFile == null ? null : ServerProcess.fromPidFile(pidFile);
        var run = "b" + tag + "r" + r;
        System.err.printf("[bench] %s round %d: %s%n", scenarioName, r, t.name());
        JsonObject res;
        try {
          res = switch (scenarioName) {
            // publish: the fan-out with one subscriber per channel at a high rate, so the publish path dominates.
            case "fanout", "cluster", "publish" -> scenario.fanout(t, run, server, false);
            case "churn" -> scenario.fanout(t, run, server, true);
            case "idle" -> scenario.idle(t, run, server);
            default -> throw new IllegalArgumentException("unknown scenario " + scenarioName);
          };
        } catch (Exception e) {
          System.err.println("[bench] " + t.name() + " failed: " + e);
          res = new JsonObject().put("server", t.name()).put("error", String.valueOf(e));
        }
        res.put("round", r);
        System.err.println("[bench] " + res.encode());
        results.add(res);
        Thread.sleep(i(a, "pause_ms", 1000));
      }
    }
    for (var t : targets) Scenario.await(t.close(), 30);
    var params = p.json().put("rounds", rounds).put("warmup_seconds", i(a, "warmup", 0)).put("targets",
        new JsonArray(names));
    for (var e : a.entrySet()) if (e.getKey().startsWith("note.")) params.put(e.getKey().substring(5), e.getValue());
    return new JsonObject().put("scenario", scenarioName).put("params", params).put("results", results);
  }

  public static void write(JsonObject doc, Path out) throws Exception {
    var dir = out.getParent();
    if (dir != null) Files.createDirectories(dir);
    Files.writeString(out, doc.encodePrettily() + "\n");
    var base = out.toString().replaceAll("\\.json$", "");
    Files.writeString(Path.of(base + ".md"), markdown(doc));
    Files.writeString(Path.of(base + ".dat"), dat(doc));
  }

  /** Mean of a metric over a server's rounds (errors skipped). */
  static Map<String, Map<String, Double>> means(JsonObject doc) {
    var sums = new LinkedHashMap<String, Map<String, double[]>>();
    for (var o : doc.getJsonArray("results")) {
      var r = (JsonObject) o;
      if (r.containsKey("error")) continue;
      var m = sums.computeIfAbsent(r.getString("server"), k -> new LinkedHashMap<>());
      for (var k : r.fieldNames()) {
        if (r.getValue(k) instanceof Number n && !k.equals("round")) {
          var acc = m.computeIfAbsent(k, x -> new double[2]);
          acc[0] += n.doubleValue();
          acc[1]++;
        }
      }
    }
    var out = new LinkedHashMap<String, Map<String, Double>>();
    sums.forEach((s, m) -> {
      var mm = new LinkedHashMap<String, Double>();
      m.forEach((k, acc) -> mm.put(k, acc[0] / acc[1]));
      out.put(s, mm);
    });
    return out;
  }

  static String fmt(Double v) {
    if (v == null || v.isNaN()) return "-";
    return Math.abs(v) >= 100 || v == Math.rint(v) ? String.format("%.0f", v) : String.format("%.2f", v);
  }

  public static String markdown(JsonObject doc) {
    var sb = new StringBuilder();
    sb.append("### ").append(doc.getString("scenario")).append("\n\nParams: `")
        .append(doc.getJsonObject("params").encode()).append("`\n\n");
    var means = means(doc);
    var metrics = new ArrayList<>(METRICS);
    for (var m : means.values()) for (var k : m.keySet()) if (!metrics.contains(k)) metrics.add(k);
    // The MWS column the others are compared with: MWS's own protocol, else its Pusher face.
    var reference = means.containsKey("mws") ? "mws" : "mws-pusher";
    sb.append("Mean over rounds; in brackets: ").append(reference).append(" / this server.\n\n| metric |");
    means.keySet().forEach(s -> sb.append(' ').append(s).append(" |"));
    sb.append("\n|---|");
    means.keySet().forEach(s -> sb.append("---|"));
    sb.append('\n');
    var mws = means.get(reference);
    for (var k : metrics) {
      sb.append("| ").append(k).append(" |");
      for (var e : means.entrySet()) {
        var v = e.getValue().get(k);
        sb.append(' ').append(fmt(v));
        if (mws != null && !e.getKey().equals(reference) && v != null && v != 0 && mws.get(k) != null) {
          sb.append(" (").append(String.format("%.2f", mws.get(k) / v)).append("x)");
        }
        sb.append(" |");
      }
      sb.append('\n');
    }
    sb.append(
        "\nEvery run, in order (A B A B):\n\n| round | server | delivered/s | p50 ms | p99 ms | max ms | lost | rss MB |\n|---|---|---|---|---|---|---|---|\n");
    for (var o : doc.getJsonArray("results")) {
      var r = (JsonObject) o;
      sb.append("| ").append(r.getValue("round")).append(" | ").append(r.getString("server")).append(" |");
      if (r.containsKey("error")) {
        sb.append(" error: ").append(r.getString("error").replace('|', '/')).append(" | | | | | |\n");
        continue;
      }
      for (var k : METRICS)
        sb.append(' ').append(fmt(r.getValue(k) instanceof Number n ? n.doubleValue() : null)).append(" |");
      sb.append('\n');
    }
    return sb.toString();
  }

  /** For gnuplot: one line per server, the means. */
  static String dat(JsonObject doc) {
    var sb = new StringBuilder("# server delivered_per_s p50_ms p99_ms rss_mb\n");
    means(doc).forEach((s, m) -> sb.append(s).append(' ').append(m.getOrDefault("delivered_per_s", 0.0)).append(' ')
        .append(m.getOrDefault("p50_ms", 0.0)).append(' ').append(m.getOrDefault("p99_ms", 0.0)).append(' ')
        .append(m.getOrDefault("rss_mb", 0.0)).append('\n'));
    return sb.toString();
  }
}
