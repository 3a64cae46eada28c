package io.mws.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.mws.server.NodeConfig;
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
 * conf, a non-root read-only container, and config keys that exist in conf/mws.yaml.
 */
class KubernetesManifestsTest {
  static final NodeConfig DEFAULTS = NodeConfig.defaults();
  static final Set<String> JVM_VARIABLES = Set.of("JAVA_TOOL_OPTIONS");

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod", "split"})
  void everyMwsPodIsAProperlyProbedDrainedAndLockedDownClusterMember(String overlay) throws Exception {
    var rendered = RenderedOverlay.render(overlay);
    var config = podConfig(rendered);
    var deployments = rendered.all(Deployment.class);
    assertThat(deployments).isNotEmpty();
    for (var deployment : deployments) {
      var name = overlay + "/" + deployment.getMetadata().getName();
      var pod = deployment.getSpec().getTemplate().getSpec();
      var container = pod.getContainers().get(0);
      var env = env(container);

      assertThat(env.keySet()).as(name + " env names the server reads")
          .allMatch(v -> NodeConfig.environmentVariables().contains(v) || JVM_VARIABLES.contains(v));
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
          .as(name + " pods are selected by the headless Service").containsAllEntriesOf(headless.getSpec().getSelector());
      assertThat(env.get("MWS_CLUSTER_HOST").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
      assertThat(env.get("MWS_ADMIN_PASSWORD").getValueFrom().getSecretKeyRef().getName()).isEqualTo("mws");
      assertThat(env.get("MWS_SIGNING_KEY").getValueFrom().getSecretKeyRef().getName()).isEqualTo("mws");

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

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod", "split"})
  void clientTrafficReachesMwsPodsThroughServiceAndIngress(String overlay) throws Exception {
    var rendered = RenderedOverlay.render(overlay);
    var ingress = rendered.all(Ingress.class).get(0);
    assertThat(ingress.getMetadata().getAnnotations()).containsKeys(
        "nginx.ingress.kubernetes.io/proxy-read-timeout", "nginx.ingress.kubernetes.io/proxy-send-timeout");
    assertThat(Integer.parseInt(ingress.getMetadata().getAnnotations().get("nginx.ingress.kubernetes.io/proxy-read-timeout")))
        .as("WebSocket-friendly timeout").isGreaterThanOrEqualTo(60);
    for (var path : ingress.getSpec().getRules().get(0).getHttp().getPaths()) {
      var service = rendered.one(Service.class, path.getBackend().getService().getName());
      var selected = rendered.all(Deployment.class).stream().filter(d -> d.getSpec().getTemplate().getMetadata().getLabels()
          .entrySet().containsAll(service.getSpec().getSelector().entrySet())).toList();
      assertThat(selected).as(overlay + ": pods behind Service " + service.getMetadata().getName()).isNotEmpty();
    }
  }

  @org.junit.jupiter.api.Test
  void devRunsOnePodAndProdAtLeastThreeWithABudgetAndAnAutoscaler() throws Exception {
    var dev = RenderedOverlay.render("dev");
    assertThat(dev.one(Deployment.class, "mws").getSpec().getReplicas()).isEqualTo(1);
    assertThat(dev.all(HorizontalPodAutoscaler.class)).isEmpty();
    assertThat(dev.all(PodDisruptionBudget.class)).isEmpty();
    assertThat(podConfig(dev).getJsonObject("cluster").getInteger("minimumClusterSize")).isEqualTo(1);

    var prod = RenderedOverlay.render("prod");
    var deployment = prod.one(Deployment.class, "mws");
    assertThat(deployment.getSpec().getReplicas()).isGreaterThanOrEqualTo(3);
    assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
    var hpa = prod.one(HorizontalPodAutoscaler.class, "mws");
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("mws");
    assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(3);
    var budget = prod.one(PodDisruptionBudget.class, "mws");
    assertThat(budget.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
    int quorum = podConfig(prod).getJsonObject("cluster").getInteger("minimumClusterSize");
    assertThat(quorum).as("quorum is a majority of the minimum replicas").isEqualTo(hpa.getSpec().getMinReplicas() / 2 + 1);
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
    assertThat(split.one(Ingress.class, "mws").getSpec().getRules().get(0).getHttp().getPaths().get(0).getPath()).isEqualTo("/v1/ws");
  }

  /** The ConfigMap's mws.yaml merged over the defaults, as a pod reads it; unknown keys fail. */
  static JsonObject podConfig(RenderedOverlay rendered) throws Exception {
    var map = rendered.all(ConfigMap.class).get(0);
    var text = map.getData().get("mws.yaml");
    assertThat(text).as(rendered.name() + " ConfigMap has mws.yaml").isNotNull();
    var file = Files.createTempFile("mws", ".yaml");
    Files.writeString(file, text);
    var overrides = new JsonObject((Map<String, Object>) new Yaml().load(text));
    assertKnownKeys(overrides, DEFAULTS.json(), rendered.name() + ": mws.yaml");
    return NodeConfig.load(file, Map.of()).json();
  }

  static void assertKnownKeys(JsonObject overrides, JsonObject defaults, String where) {
    for (var key : overrides.fieldNames()) {
      assertThat(defaults.containsKey(key)).as(where + " key '" + key + "' is in conf/mws.yaml").isTrue();
      if (overrides.getValue(key) instanceof JsonObject nested) assertKnownKeys(nested, defaults.getJsonObject(key), where + "." + key);
    }
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
