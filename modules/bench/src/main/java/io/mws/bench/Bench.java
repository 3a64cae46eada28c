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
 * rounds=3 out=bench/results/fanout.json mws.port=... nchan.port=... ...}. Targets run in turn with the same
 * parameters, in an order that rotates each round (A B C, B C A, C A B: no server always runs first or after the
 * same neighbour); one JSON file and one Markdown table per scenario, every round shown with the spread.
 *
 * <p>Fairness: a warm-up of {@code warmup} seconds per target at the scenario's full size (the JIT of the JVM
 * servers and of the generator), reported apart and not counted; with {@code equal_frames=true} (the default)
 * the warm-up measures each server's envelope around the payload and pads every other server's payload so all
 * frames weigh what the largest does ({@code frame_bytes} in every result says what they weighed).
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
        i(a, "drain", 10), Boolean.parseBoolean(a.getOrDefault("live_heap", "false")));
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
    var warmups = new JsonArray();
    String tag = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    // Warm-up (JIT on both sides, pools): the full-size fan-out per target for `warmup` seconds, reported apart.
    if (i(a, "warmup", 0) > 0) {
      var w = new Scenario(vertx,
          new Scenario.Params(p.subscribers(), p.channels(), Math.max(1, p.rate()), i(a, "warmup", 0),
              p.payload(), p.connectConcurrency(), p.maxInFlight(), 0, p.drainSeconds(), false));
      for (var t : targets) {
        var pidFile = a.get(t.name() + ".pidfile");
        try {
          var res = w.fanout(t, "b" + tag + "w", pidFile == null ? null : ServerProcess.fromPidFile(pidFile), false);
          System.err.println("[bench] warm-up " + t.name() + ": " + res.encode());
          warmups.add(res);
        } catch (Exception e) {
          System.err.println("[bench] warm-up " + t.name() + " failed: " + e);
        }
      }
      if (Boolean.parseBoolean(a.getOrDefault("equal_frames", "true"))) equalFrames(scenario, warmups, p.payload());
    }
    for (int r = 1; r <= rounds; r++) {
      for (int k = 0; k < targets.size(); k++) {
        var t = targets.get((k + r - 1) % targets.size());
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
            case "ceiling" ->
              scenario.ceiling(t, run, server, Double.parseDouble(a.getOrDefault("ceiling_factor", "1.5")),
                  i(a, "ceiling_steps", 10), i(a, "ceiling_max_rate", 5000));
            default -> throw new IllegalArgumentException("unknown scenario " + scenarioName);
          };
        } catch (Exception e) {
          System.err.println("[bench] " + t.name() + " failed: " + e);
          res = new JsonObject().put("server", t.name()).put("error", String.valueOf(e));
        }
        res.put("round", r).put("order", k + 1);
        System.err.println("[bench] " + res.encode());
        results.add(res);
        Thread.sleep(i(a, "pause_ms", 1000));
      }
    }
    for (var t : targets) Scenario.await(t.close(), 30);
    var params = p.json().put("rounds", rounds).put("warmup_seconds", i(a, "warmup", 0))
        .put("targets", new JsonArray(names))
        .put("generator_cores", Runtime.getRuntime().availableProcessors());
    for (var e : a.entrySet()) if (e.getKey().startsWith("note.")) params.put(e.getKey().substring(5), e.getValue());
    return new JsonObject().put("scenario", scenarioName).put("params", params).put("warmup", warmups).put("results",
        results);
  }

  /**
   * Frames of equal size: each server's envelope is its warm-up frame size minus the payload; every server's
   * payload grows by the difference to the largest envelope, so every frame on the wire weighs the same.
   */
  static void equalFrames(Scenario scenario, JsonArray warmups, int payload) {
    var envelope = new LinkedHashMap<String, Double>();
    for (var o : warmups) {
      var w = (JsonObject) o;
      var frame = w.getDouble("frame_bytes");
      if (frame != null) envelope.put(w.getString("server"), frame - w.getInteger("payload_bytes", payload));
    }
    double largest = envelope.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    envelope.forEach((server, e) -> {
      int padded = payload + (int) Math.round(largest - e);
      scenario.payload(server, padded);
      System.err.printf("[bench] %s: envelope %.0f B, payload %d B%n", server, e, padded);
    });
  }

  public static void write(JsonObject doc, Path out) throws Exception {
    var dir = out.getParent();
    if (dir != null) Files.createDirectories(dir);
    Files.writeString(out, doc.encodePrettily() + "\n");
    var base = out.toString().replaceAll("\\.json$", "");
    Files.writeString(Path.of(base + ".md"), markdown(doc));
    Files.writeString(Path.of(base + ".dat"), dat(doc));
  }

  /** Fields that describe a run rather than measure it. */
  static final List<String> NOT_AVERAGED = List.of("round", "order", "gen_cores", "payload_bytes");

  /** Mean of a metric over a server's rounds (errors skipped). */
  static Map<String, Map<String, Double>> means(JsonObject doc) {
    return summary(doc, 0);
  }

  /** Per server and metric, over its rounds: 0 the mean, 1 the lowest, 2 the highest (errors skipped). */
  static Map<String, Map<String, Double>> summary(JsonObject doc, int which) {
    var sums = new LinkedHashMap<String, Map<String, double[]>>();
    for (var o : doc.getJsonArray("results")) {
      var r = (JsonObject) o;
      if (r.containsKey("error")) continue;
      var m = sums.computeIfAbsent(r.getString("server"), k -> new LinkedHashMap<>());
      for (var k : r.fieldNames()) {
        if (r.getValue(k) instanceof Number n && !NOT_AVERAGED.contains(k)) {
          var acc = m.computeIfAbsent(k, x -> new double[] {0, 0, Double.MAX_VALUE, -Double.MAX_VALUE});
          acc[0] += n.doubleValue();
          acc[1]++;
          acc[2] = Math.min(acc[2], n.doubleValue());
          acc[3] = Math.max(acc[3], n.doubleValue());
        }
      }
    }
    var out = new LinkedHashMap<String, Map<String, Double>>();
    sums.forEach((s, m) -> {
      var mm = new LinkedHashMap<String, Double>();
      m.forEach((k, acc) -> mm.put(k, which == 0 ? acc[0] / acc[1] : acc[which + 1]));
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
    var low = summary(doc, 1);
    var high = summary(doc, 2);
    sb.append("Mean over rounds [lowest-highest round]; in brackets: ").append(reference)
        .append(" / this server.\n\n| metric |");
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
        var lo = low.get(e.getKey()).get(k);
        var hi = high.get(e.getKey()).get(k);
        if (lo != null && hi != null && !lo.equals(hi))
          sb.append(" [").append(fmt(lo)).append('-').append(fmt(hi)).append(']');
        if (mws != null && !e.getKey().equals(reference) && v != null && v != 0 && mws.get(k) != null) {
          sb.append(" (").append(String.format("%.2f", mws.get(k) / v)).append("x)");
        }
        sb.append(" |");
      }
      sb.append('\n');
    }
    sb.append(
        "\nEvery run, in order (the order rotates each round; warm-up rows are not in the means):\n\n| round | server |");
    for (var k : RUN_COLUMNS) sb.append(' ').append(k).append(" |");
    sb.append("\n|---|---|");
    RUN_COLUMNS.forEach(k -> sb.append("---|"));
    sb.append('\n');
    var rows = new ArrayList<JsonObject>();
    doc.getJsonArray("warmup", new JsonArray()).forEach(o -> rows.add(((JsonObject) o).copy().put("round", "warm-up")));
    doc.getJsonArray("results").forEach(o -> rows.add((JsonObject) o));
    for (var r : rows) {
      sb.append("| ").append(r.getValue("round")).append(" | ").append(r.getString("server")).append(" |");
      if (r.containsKey("error")) {
        sb.append(" error: ").append(r.getString("error").replace('|', '/')).append(" |\n");
        continue;
      }
      for (var k : RUN_COLUMNS) {
        var v = r.getValue(k);
        sb.append(' ').append(v instanceof Number n ? fmt(n.doubleValue()) : v == null ? "-" : v.toString())
            .append(" |");
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** The columns of the table of every run: the metrics, then what makes a run comparable. */
  static final List<String> RUN_COLUMNS = List.of("delivered_per_s", "p50_ms", "p99_ms", "max_ms", "lost", "rss_mb",
      "frame_bytes", "cpu_ms_per_1k_deliveries", "cpu_ms_per_connect", "rss_kb_per_conn", "live_heap_kb_per_conn",
      "ceiling_deliveries_per_s",
      "gen_cpu_share", "generator_bound", "load1");

  /** For gnuplot: one line per server, the means. */
  static String dat(JsonObject doc) {
    var sb = new StringBuilder("# server delivered_per_s p50_ms p99_ms rss_mb\n");
    means(doc).forEach((s, m) -> sb.append(s).append(' ').append(m.getOrDefault("delivered_per_s", 0.0)).append(' ')
        .append(m.getOrDefault("p50_ms", 0.0)).append(' ').append(m.getOrDefault("p99_ms", 0.0)).append(' ')
        .append(m.getOrDefault("rss_mb", 0.0)).append('\n'));
    return sb.toString();
  }
}
