package io.mws.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.mws.server.NodeConfig;
import io.mws.testsupport.ExternalToolTest;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Every overlay renders and parses as typed Kubernetes objects, and holds the invariants MWS needs:
 * probes on /readyz and /healthz, a drain that fits the grace period, Hazelcast DNS discovery through
 * a headless Service that publishes not-ready pods, env names the server reads, ports that match
 * conf, a non-root read-only container, config keys that exist in conf/mws.yaml, Hazelcast phone-home
 * off, Prometheus scraping /metrics on the management port, pods spread across Kubernetes nodes, a
 * NetworkPolicy that keeps the cluster ports to MWS pods, and the Grafana dashboard shipped as it is.
 */
@ExternalToolTest
class KubernetesManifestsTest {
  static final NodeConfig DEFAULTS = NodeConfig.defaults();
  static final Set<String> JVM_VARIABLES = Set.of("JAVA_TOOL_OPTIONS");
  static final String NO_PHONE_HOME = "-Dhazelcast.phone.home.enabled=false";

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod", "split"})
  void everyMwsPodIsAProperlyProbedDrainedAndLockedDownClusterMember(String overlay) throws Exception {
    var rendered = RenderedOverlay.render(overlay);
    var deployments = rendered.all(Deployment.class);
    assertThat(deployments).isNotEmpty();
    for (var deployment : deployments) {
      var name = overlay + "/" + deployment.getMetadata().getName();
      var config = podConfig(rendered, deployment);
      var pod = deployment.getSpec().getTemplate().getSpec();
      var container = pod.getContainers().get(0);
      var env = env(container);

      assertThat(env.keySet()).as(name + " env names the server reads")
          .allMatch(v -> NodeConfig.environmentVariables().contains(v) || JVM_VARIABLES.contains(v));
      assertThat(env.get("JAVA_TOOL_OPTIONS").getValue()).as(name + " Hazelcast never phones home")
          .contains(NO_PHONE_HOME);
      int httpPort = config.getJsonObject("http").getInteger("port");
      assertThat(port(container, "http")).as(name + " http port = conf http.port").isEqualTo(httpPort);
      assertThat(port(container, "hazelcast")).as(name + " hazelcast port = conf cluster.port")
          .isEqualTo(config.getJsonObject("cluster").getInteger("port"));
      assertThat(port(container, "eventbus")).as(name + " event-bus port = conf cluster.eventBusPort")
          .isEqualTo(config.getJsonObject("cluster").getInteger("eventBusPort"));

      assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
      assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
      assertThat(container.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
      assertThat(container.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
      assertThat(container.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
      assertThat(container.getStartupProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");

      int managementPort = config.getJsonObject("http").getInteger("managementPort");
      assertThat(port(container, "management")).as(name + " management port = conf http.managementPort")
          .isEqualTo(managementPort);
      var annotations = deployment.getSpec().getTemplate().getMetadata().getAnnotations();
      assertThat(annotations)
          .as(name + " Prometheus scrapes /metrics on the management port (the public one answers 404)")
          .containsEntry("prometheus.io/scrape", "true").containsEntry("prometheus.io/path", "/metrics")
          .containsEntry("prometheus.io/port", String.valueOf(managementPort));
      assertThat(config.getJsonObject("limits").getInteger("connectionsPerClientIp") == 0
          || !config.getJsonObject("http").getJsonArray("trustedProxies").isEmpty())
          .as(name + ": behind the Ingress, a per-client cap needs trusted proxies (else every client is the Ingress)")
          .isTrue();

      var spread = pod.getTopologySpreadConstraints();
      assertThat(spread).as(name + " spreads its pods across Kubernetes nodes").anySatisfy(c -> {
        assertThat(c.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
        assertThat(c.getMaxSkew()).isEqualTo(1);
        assertThat(c.getWhenUnsatisfiable()).isEqualTo("DoNotSchedule");
        assertThat(c.getNodeTaintsPolicy()).as("tainted nodes are no empty domains that block scheduling")
            .isEqualTo("Honor");
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).as("the constraint counts these pods")
            .containsAllEntriesOf(c.getLabelSelector().getMatchLabels());
        assertThat(c.getLabelSelector().getMatchLabels()).as("every Hazelcast member counts, whatever its Deployment")
            .isEqualTo(headlessSelector(rendered, env));
      });

      var preStop = container.getLifecycle().getPreStop().getExec().getCommand();
      assertThat(preStop).as(name + " preStop").startsWith("sleep");
      int preStopSeconds = Integer.parseInt(preStop.get(1));
      int drainSeconds = config.getInteger("shutdownTimeoutSeconds");
      assertThat(pod.getTerminationGracePeriodSeconds()).as(name + " grace period fits preStop + drain + leave")
          .isGreaterThanOrEqualTo(preStopSeconds + drainSeconds + 10L);

      assertThat(env).containsKey("MWS_CLUSTER_DNS");
      var headless = rendered.one(Service.class, env.get("MWS_CLUSTER_DNS").getValue());
      assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
      assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
      assertThat(headless.getSpec().getPorts().get(0).getPort()).isEqualTo(port(container, "hazelcast"));
      assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
          .as(name + " pods are selected by the headless Service")
          .containsAllEntriesOf(headless.getSpec().getSelector());
      assertThat(env.get("MWS_CLUSTER_HOST").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
      assertThat(env.get("MWS_ADMIN_PASSWORD").getValueFrom().getSecretKeyRef().getName()).isEqualTo("mws");
      assertThat(env.get("MWS_SIGNING_KEY").getValueFrom().getSecretKeyRef().getName()).isEqualTo("mws");
      // The store of record is PostgreSQL, an external dependency: its URL (with a password) comes from the Secret.
      assertThat(env.get("MWS_STORE_URL").getValueFrom().getSecretKeyRef().getName()).as(name + " store of record")
          .isEqualTo("mws");
      assertThat(env.get("MWS_STORE_URL").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("store-url");
      assertThat(pod.getVolumes()).as(name + " mounts the rendered config")
          .anyMatch(v -> v.getConfigMap() != null
              && v.getConfigMap().getName().equals(configMap(rendered).getMetadata().getName()));

      var security = container.getSecurityContext();
      assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(security.getReadOnlyRootFilesystem()).isTrue();
      assertThat(security.getAllowPrivilegeEscalation()).isFalse();
      assertThat(security.getCapabilities().getDrop()).contains("ALL");
      assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
      assertThat(container.getResources().getLimits()).containsKey("memory");
      assertThat(container.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp"));
    }
  }

  /**
   * The NetworkPolicy: Hazelcast and the event bus only from MWS pods (no other pod joins the cluster or
   * speaks on its bus), the management port only from this namespace or a labelled monitoring one,
   * the http port from anywhere (the Ingress controller lives elsewhere). Every MWS pod is selected.
   */
  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod", "split"})
  void onlyMwsPodsReachTheClusterPortsAndMetricsStayInside(String overlay) throws Exception {
    var rendered = RenderedOverlay.render(overlay);
    var policy = rendered.one(NetworkPolicy.class, "mws");
    assertThat(policy.getSpec().getPolicyTypes()).contains("Ingress");
    var selected = policy.getSpec().getPodSelector().getMatchLabels();
    for (var deployment : rendered.all(Deployment.class)) {
      var labels = deployment.getSpec().getTemplate().getMetadata().getLabels();
      assertThat(labels).as(overlay + "/" + deployment.getMetadata().getName() + " is guarded")
          .containsAllEntriesOf(selected);
      var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
      for (var port : container.getPorts()) {
        var rules = policy.getSpec().getIngress().stream()
            .filter(r -> r.getPorts().stream().anyMatch(p -> port.getName().equals(p.getPort().getStrVal()))).toList();
        assertThat(rules).as(overlay + ": a rule admits port " + port.getName()).isNotEmpty();
        for (var rule : rules) {
          var peers = rule.getFrom();
          switch (port.getName()) {
            case "http" -> {
            } // anyone
            case "hazelcast", "eventbus" -> {
              assertThat(peers).as(overlay + ": " + port.getName() + " from MWS pods only").isNotEmpty()
                  .allSatisfy(peer -> {
                    assertThat(peer.getNamespaceSelector()).as("same namespace").isNull();
                    assertThat(peer.getIpBlock()).isNull();
                    assertThat(labels).as("the peers are MWS pods")
                        .containsAllEntriesOf(peer.getPodSelector().getMatchLabels());
                    assertThat(peer.getPodSelector().getMatchLabels()).as("and only MWS pods").isEqualTo(selected);
                  });
            }
            case "management" -> assertThat(peers).as(overlay + ": metrics from this namespace or a monitoring one")
                .isNotEmpty().allSatisfy(peer -> {
                  assertThat(peer.getIpBlock()).isNull();
                  if (peer.getNamespaceSelector() != null) {
                    assertThat(peer.getNamespaceSelector().getMatchLabels()).containsEntry("mws.io/metrics-scraper",
                        "true");
                  }
                });
            default -> throw new AssertionError(overlay + ": no invariant for port " + port.getName());
          }
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod", "split"})
  void clientTrafficReachesMwsPodsThroughServiceAndIngress(String overlay) throws Exception {
    var rendered = RenderedOverlay.render(overlay);
    var ingress = rendered.all(Ingress.class).get(0);
    // An idle WebSocket carries a ping every gateway.pingIntervalMs: the proxy must not time it out first.
    var config = podConfig(rendered, rendered.one(Deployment.class, "mws"));
    long pingSeconds = config.getJsonObject("gateway").getLong("pingIntervalMs") / 1000;
    for (var timeout : Set.of("proxy-read-timeout", "proxy-send-timeout")) {
      var value = ingress.getMetadata().getAnnotations().get("nginx.ingress.kubernetes.io/" + timeout);
      assertThat(value).as(overlay + " Ingress " + timeout).isNotNull();
      assertThat(Long.parseLong(value)).as(overlay + " " + timeout + " outlasts the ping interval")
          .isGreaterThan(2 * pingSeconds);
    }
    for (var path : ingress.getSpec().getRules().get(0).getHttp().getPaths()) {
      var service = rendered.one(Service.class, path.getBackend().getService().getName());
      assertThat(service.getSpec().getClusterIP()).as("a client Service load-balances").isNotEqualTo("None");
      var selected = rendered.all(Deployment.class).stream()
          .filter(d -> d.getSpec().getTemplate().getMetadata().getLabels()
              .entrySet().containsAll(service.getSpec().getSelector().entrySet()))
          .toList();
      assertThat(selected).as(overlay + ": pods behind Service " + service.getMetadata().getName()).isNotEmpty();
      int httpPort = config.getJsonObject("http").getInteger("port");
      for (var deployment : selected) {
        var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(service.getSpec().getPorts()).as(service.getMetadata().getName() + " targets the pods' http port")
            .allMatch(p -> port(container, p.getTargetPort().getStrVal()) == httpPort);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod", "split"})
  void theSecretHoldsEveryKeyThePodsReadAndTheReadmeCreatesThem(String overlay) throws Exception {
    var rendered = RenderedOverlay.render(overlay);
    // The operator's Secret command (docs/kubernetes.md).
    var readme = Files.readString(RenderedOverlay.ROOT.resolve("docs/kubernetes.md"));
    var secret = rendered.all(Secret.class).stream().filter(s -> s.getMetadata().getName().equals("mws")).findFirst();
    assertThat(secret.isPresent()).as(overlay + " generates the Secret (dev) or leaves it to the operator (prod)")
        .isEqualTo(overlay.equals("dev"));
    for (var deployment : rendered.all(Deployment.class)) {
      for (var variable : env(deployment.getSpec().getTemplate().getSpec().getContainers().get(0)).values()) {
        var ref = variable.getValueFrom() == null ? null : variable.getValueFrom().getSecretKeyRef();
        if (ref == null) continue;
        assertThat(ref.getName()).isEqualTo("mws");
        secret.ifPresent(
            s -> assertThat(s.getData().keySet().isEmpty() ? s.getStringData().keySet() : s.getData().keySet())
                .as(overlay + " Secret key " + ref.getKey()).contains(ref.getKey()));
        assertThat(readme).as("docs/kubernetes.md creates the Secret key " + ref.getKey())
            .contains("--from-literal=" + ref.getKey() + "=");
      }
    }
  }

  /** Development runs its own PostgreSQL, reachable at the host and port of the dev Secret's store-url. */
  @ParameterizedTest
  @ValueSource(strings = {"dev"})
  void theDevOverlayRunsThePostgresqlItsStoreUrlNames(String overlay) throws Exception {
    var rendered = RenderedOverlay.render(overlay);
    var secret = rendered.all(Secret.class).stream().filter(s -> s.getMetadata().getName().equals("mws")).findFirst()
        .orElseThrow();
    var data = secret.getData().isEmpty() ? secret.getStringData() : secret.getData();
    var url = data.get("store-url");
    if (!url.startsWith("postgresql://")) url = new String(java.util.Base64.getMimeDecoder().decode(url)).strip();
    var target = java.net.URI.create(url);
    var service = rendered.one(Service.class, target.getHost());
    assertThat(service.getSpec().getPorts().get(0).getPort()).isEqualTo(target.getPort());
    var postgres = rendered.one(io.fabric8.kubernetes.api.model.apps.StatefulSet.class, target.getHost());
    assertThat(postgres.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(service.getSpec().getSelector());
    assertThat(postgres.getSpec().getVolumeClaimTemplates()).as("its data outlives the pod").isNotEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod", "split"})
  void theGrafanaDashboardShipsAsAConfigMapForTheSidecar(String overlay) throws Exception {
    var rendered = RenderedOverlay.render(overlay);
    var map = rendered.one(ConfigMap.class, "mws-grafana-dashboard");
    assertThat(map.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    var shipped = new JsonObject(map.getData().get("mws-dashboard.json"));
    assertThat(shipped)
        .isEqualTo(new JsonObject(Files.readString(RenderedOverlay.ROOT.resolve("k8s/grafana/mws-dashboard.json"))));
    assertThat(shipped.getString("uid")).isNotBlank();
  }

  @org.junit.jupiter.api.Test
  void devRunsOnePodAndProdAtLeastThreeWithABudgetAndAnAutoscaler() throws Exception {
    var dev = RenderedOverlay.render("dev");
    assertThat(dev.one(Deployment.class, "mws").getSpec().getReplicas()).isEqualTo(1);
    assertThat(dev.all(HorizontalPodAutoscaler.class)).isEmpty();
    assertThat(dev.all(PodDisruptionBudget.class)).isEmpty();
    assertThat(
        podConfig(dev, dev.one(Deployment.class, "mws")).getJsonObject("cluster").getInteger("minimumClusterSize"))
        .isEqualTo(1);

    var prod = RenderedOverlay.render("prod");
    var deployment = prod.one(Deployment.class, "mws");
    assertThat(deployment.getSpec().getReplicas()).isGreaterThanOrEqualTo(3);
    assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
    var hpa = prod.one(HorizontalPodAutoscaler.class, "mws");
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("mws");
    assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(3);
    var budget = prod.one(PodDisruptionBudget.class, "mws");
    assertThat(budget.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
    assertQuorumIsAMajorityOfTheMinimumMembers(prod);
  }

  /** Every Deployment has an autoscaler; cluster.minimumClusterSize is a majority of all members at their minimum. */
  static void assertQuorumIsAMajorityOfTheMinimumMembers(RenderedOverlay rendered) throws Exception {
    int members = 0;
    var quorums = new HashSet<Integer>();
    for (var deployment : rendered.all(Deployment.class)) {
      quorums.add(podConfig(rendered, deployment).getJsonObject("cluster").getInteger("minimumClusterSize"));
      var name = deployment.getMetadata().getName();
      var hpa = rendered.all(HorizontalPodAutoscaler.class).stream()
          .filter(h -> h.getSpec().getScaleTargetRef().getName().equals(name)).findFirst()
          .orElseThrow(() -> new AssertionError(rendered.name() + ": no autoscaler for " + name));
      assertThat(deployment.getSpec().getReplicas()).as(name + " starts at its autoscaler's minimum")
          .isEqualTo(hpa.getSpec().getMinReplicas());
      members += hpa.getSpec().getMinReplicas();
    }
    assertThat(quorums).as(rendered.name() + ": quorum is a majority of the minimum members, on every member")
        .containsExactly(members / 2 + 1);
  }

  @org.junit.jupiter.api.Test
  void theSplitOverlayRunsGatewaysApartFromTheApi() throws Exception {
    var split = RenderedOverlay.render("split");
    var roles = new HashSet<String>();
    for (var deployment : split.all(Deployment.class)) {
      var value = env(deployment.getSpec().getTemplate().getSpec().getContainers().get(0)).get("MWS_ROLES").getValue();
      var config = NodeConfig.load(null, Map.of("MWS_ROLES", value)); // the server accepts it
      roles.addAll(config.roles());
      assertThat(config.roles()).as(deployment.getMetadata().getName()).contains("auth");
    }
    assertThat(roles).containsExactlyInAnyOrderElementsOf(NodeConfig.ALL_ROLES);
    var wsPath = split.one(Ingress.class, "mws").getSpec().getRules().get(0).getHttp().getPaths().get(0);
    assertThat(wsPath.getPath()).isEqualTo("/v1/ws");
    var gatewayRoles = env(
        split.one(Deployment.class, "mws-gateway").getSpec().getTemplate().getSpec().getContainers().get(0))
        .get("MWS_ROLES").getValue();
    assertThat(gatewayRoles).as("the gateway pods serve WebSockets only").contains("gateway").doesNotContain("api");
    assertThat(wsPath.getBackend().getService().getName()).isEqualTo("mws-gateway");
    assertQuorumIsAMajorityOfTheMinimumMembers(split);
  }

  /**
   * A pod's config as the server loads it: the ConfigMap's mws.yaml over the defaults, then the
   * container's literal env values (MWS_*). Unknown keys in mws.yaml fail.
   */
  static JsonObject podConfig(RenderedOverlay rendered, Deployment deployment) throws Exception {
    var map = configMap(rendered);
    var text = map.getData().get("mws.yaml");
    assertThat(text).as(rendered.name() + " ConfigMap has mws.yaml").isNotNull();
    var file = Files.createTempFile("mws", ".yaml");
    Files.writeString(file, text);
    var overrides = new JsonObject((Map<String, Object>) new Yaml().load(text));
    assertKnownKeys(overrides, DEFAULTS.json(), rendered.name() + ": mws.yaml");
    var literals = new java.util.HashMap<String, String>();
    env(deployment.getSpec().getTemplate().getSpec().getContainers().get(0)).forEach((name, variable) -> {
      if (variable.getValue() != null) literals.put(name, variable.getValue());
    });
    return NodeConfig.load(file, literals).json();
  }

  /** The generated mws-config ConfigMap (its name carries a content hash). */
  static ConfigMap configMap(RenderedOverlay rendered) {
    return rendered.all(ConfigMap.class).stream().filter(m -> m.getMetadata().getName().startsWith("mws-config-"))
        .findFirst()
        .orElseThrow(() -> new AssertionError(rendered.name() + " has no mws-config ConfigMap"));
  }

  static void assertKnownKeys(JsonObject overrides, JsonObject defaults, String where) {
    for (var key : overrides.fieldNames()) {
      assertThat(defaults.containsKey(key)).as(where + " key '" + key + "' is in conf/mws.yaml").isTrue();
      if (overrides.getValue(key) instanceof JsonObject nested)
        assertKnownKeys(nested, defaults.getJsonObject(key), where + "." + key);
    }
  }

  /** The labels the Hazelcast headless Service (MWS_CLUSTER_DNS) selects: the cluster's members. */
  static Map<String, String> headlessSelector(RenderedOverlay rendered, Map<String, EnvVar> env) {
    return rendered.one(Service.class, env.get("MWS_CLUSTER_DNS").getValue()).getSpec().getSelector();
  }

  static Map<String, EnvVar> env(Container container) {
    var map = new java.util.LinkedHashMap<String, EnvVar>();
    Stream.ofNullable(container.getEnv()).flatMap(java.util.List::stream).forEach(e -> map.put(e.getName(), e));
    return map;
  }

  static int port(Container container, String name) {
    return container.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
        .orElseThrow(() -> new AssertionError("no container port named " + name)).getContainerPort();
  }
}
