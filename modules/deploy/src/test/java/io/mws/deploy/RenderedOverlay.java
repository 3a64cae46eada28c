package io.mws.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mws.testsupport.Prerequisites;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One overlay of k8s/ rendered by `kubectl kustomize` (offline) and parsed into typed objects. */
record RenderedOverlay(String name, List<HasMetadata> objects) {
  static final Path ROOT = Path.of(System.getProperty("mws.root", "../.."));

  static RenderedOverlay render(String overlay) throws Exception {
    Prerequisites.require("kubectl",
        "install kubectl (any version with `kustomize` built in, 1.14+; it renders offline,"
            + " no cluster needed): https://kubernetes.io/docs/tasks/tools/");
    var process = new ProcessBuilder("kubectl", "kustomize", ROOT.resolve("k8s/overlays/" + overlay).toString())
        .redirectErrorStream(true).start();
    var yaml = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new AssertionError("kubectl kustomize " + overlay + " failed: " + yaml);
    }
    var objects = new ArrayList<HasMetadata>();
    for (var document : yaml.split("(?m)^---$")) {
      if (document.isBlank()) continue;
      Object parsed = new KubernetesSerialization().unmarshal(document);
      if (parsed instanceof KubernetesList list) objects.addAll(list.getItems());
      else objects.add((HasMetadata) parsed);
    }
    return new RenderedOverlay(overlay, objects);
  }

  <T extends HasMetadata> List<T> all(Class<T> kind) {
    return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
  }

  <T extends HasMetadata> T one(Class<T> kind, String name) {
    return all(kind).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError(this.name + " has no " + kind.getSimpleName() + " " + name));
  }
}
