package io.mws.server;

import io.vertx.core.http.HttpMethod;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One GET /metrics of a node (on its management port), parsed from the Prometheus text format: each sample by its name and
 * labels, as {@code name} or {@code name{a="x",b="y"}} (labels as the registry writes them, sorted).
 */
final class MetricsScrape {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)");

  final String text;
  private final Map<String, Double> samples = new TreeMap<>();
  private final Set<String> names = new TreeSet<>();

  private MetricsScrape(String text) {
    this.text = text;
    for (var line : text.split("\n")) {
      var sample = SAMPLE.matcher(line);
      if (line.startsWith("#") || !sample.find()) continue;
      names.add(sample.group(1));
      samples.put(sample.group(1) + (sample.group(2) == null ? "" : sample.group(2)),
          Double.parseDouble(sample.group(3)));
    }
  }

  static MetricsScrape of(TestCluster cluster, int node) throws Exception {
    var response = TestCluster.await(
        cluster.http.request(HttpMethod.GET, cluster.nodes.get(node).managementPort(), "127.0.0.1", "/metrics").send());
    if (response.statusCode() != 200) throw new AssertionError("/metrics answered " + response.statusCode());
    return new MetricsScrape(response.bodyAsString());
  }

  /** The sample's value; 0 when the registry has not written it. */
  double value(String sample) {
    return samples.getOrDefault(sample, 0.0);
  }

  boolean has(String sample) {
    return samples.containsKey(sample);
  }

  /** Every metric name that has at least one sample (histograms as their _bucket, _count and _sum). */
  Set<String> names() {
    return names;
  }
}
