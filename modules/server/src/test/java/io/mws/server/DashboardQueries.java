package io.mws.server;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** The PromQL queries of the Grafana dashboard in k8s/grafana (panels and variables), and the metric names they read. */
final class DashboardQueries {
  static final Path FILE = Path.of(System.getProperty("mws.root", "../.."), "k8s/grafana/mws-dashboard.json");
  private static final Pattern IDENTIFIER = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\()?");
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,");
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "on", "ignoring", "group_left",
      "group_right",
      "bool", "offset");

  final JsonObject dashboard;
  /** The panels' PromQL. */
  final List<String> queries = new ArrayList<>();
  /** The metrics the variables list their values from (label_values(metric, label)). */
  final Set<String> variableMetrics = new TreeSet<>();

  DashboardQueries() throws java.io.IOException {
    dashboard = new JsonObject(Files.readString(FILE));
    collect(dashboard.getJsonArray("panels"));
    for (var variable : dashboard.getJsonObject("templating").getJsonArray("list").stream().map(JsonObject.class::cast)
        .toList()) {
      if (!"query".equals(variable.getString("type"))) continue;
      var matcher = LABEL_VALUES.matcher(variable.getJsonObject("query").getString("query"));
      if (!matcher.find())
        throw new AssertionError("variable " + variable.getString("name") + " is not label_values(metric, label)");
      variableMetrics.add(matcher.group(1));
    }
  }

  private void collect(JsonArray panels) {
    for (var panel : panels.stream().map(JsonObject.class::cast).toList()) {
      if (panel.containsKey("panels")) collect(panel.getJsonArray("panels")); // collapsed rows hold their panels
      for (var target : panel.getJsonArray("targets", new JsonArray()).stream().map(JsonObject.class::cast).toList()) {
        queries.add(target.getString("expr"));
      }
    }
  }

  /**
   * The metric names a query reads: what is left of its identifiers once label matchers, ranges,
   * grouping labels, strings, functions (an identifier before '(') and keywords are taken out.
   */
  static Set<String> metricNames(String query) {
    var stripped = query.replaceAll("\"[^\"]*\"", "\"\"")
        .replaceAll("\\{[^}]*}", " ")
        .replaceAll("\\[[^]]*]", " ")
        .replaceAll("\\b(by|without)\\s*\\([^)]*\\)", " ");
    var names = new TreeSet<String>();
    var matcher = IDENTIFIER.matcher(stripped);
    while (matcher.find()) {
      var name = matcher.group(1);
      boolean partOfNumber = matcher.start() > 0 && Character.isDigit(stripped.charAt(matcher.start() - 1));
      if (matcher.group(2) == null && !KEYWORDS.contains(name) && !partOfNumber) names.add(name);
    }
    return names;
  }

  Set<String> metricNames() {
    var names = new TreeSet<String>();
    queries.forEach(q -> names.addAll(metricNames(q)));
    names.addAll(variableMetrics);
    return names;
  }
}
