package io.mws.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract a node loads at start ({@link ContractValidation#contractOf}) skips vertx-openapi's check
 * of the document against the OpenAPI 3.1 meta-schema, to start faster: that check is made here, at
 * build time, and the contract it loads is shown to be the one {@code OpenAPIContract.from} builds.
 */
class ContractValidationTest {
  private Vertx vertx;

  @BeforeEach
  void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** The document as the node loads it passes the meta-schema check, which refuses a broken one. */
  @Test
  void theDocumentAsLoadedPassesTheMetaSchemaCheck() {
    var view = ContractValidation.requestView(OpenApiResource.document());
    OpenAPIContract.from(vertx, view).await();
    // The check is real: a parameter "in" nowhere is refused by it (and not by the node's own load).
    var broken = view.copy();
    broken.getJsonObject("paths").getJsonObject("/v1/vhosts").getJsonObject("get").getJsonArray("parameters")
        .add(new JsonObject().put("name", "x").put("in", "nowhere").put("schema", new JsonObject()));
    assertThrows(RuntimeException.class, () -> OpenAPIContract.from(vertx, broken).await());
  }

  /**
   * The same operations, paths, parameters (schemas included) and request body schemas as
   * {@code OpenAPIContract.from}, and the same resolved document: requests are validated as before.
   */
  @Test
  void theContractLoadedAtStartIsTheOneOpenApiContractFromBuilds() {
    var full = OpenAPIContract.from(vertx, ContractValidation.requestView(OpenApiResource.document())).await();
    var lean = ContractValidation.contractOf(ContractValidation.requestView(OpenApiResource.document()));
    assertEquals(full.getVersion(), lean.getVersion());
    assertEquals(describe(full), describe(lean));
    assertEquals(full.getRawContract(), lean.getRawContract());
    // And it finds the same operation for a request path.
    assertEquals(full.findOperation("/v1/vhosts/v/channels/c/events", io.vertx.core.http.HttpMethod.POST)
        .getOperationId(),
        lean.findOperation("/v1/vhosts/v/channels/c/events", io.vertx.core.http.HttpMethod.POST).getOperationId());
  }

  private static String describe(OpenAPIContract contract) {
    return contract.operations().stream().sorted(java.util.Comparator.comparing(Operation::getOperationId))
        .map(op -> op.getOperationId() + " " + op.getHttpMethod() + " " + op.getOpenAPIPath() + " "
            + op.getParameters().stream().map(ContractValidationTest::describe).collect(Collectors.joining(","))
            + " body " + (op.getRequestBody() == null ? "-"
                : op.getRequestBody().getContent().entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue().getSchema().fieldNames().stream().sorted()
                        .map(f -> f + ":" + e.getValue().getSchema().get(f)).collect(Collectors.joining(";")))
                    .sorted().collect(Collectors.joining("|"))))
        .collect(Collectors.joining("\n"));
  }

  private static String describe(Parameter parameter) {
    return parameter.getName() + "@" + parameter.getIn() + (parameter.isRequired() ? "!" : "") + parameter.getStyle()
        + parameter.isExplode() + parameter.getSchema().fieldNames().stream().sorted()
            .map(f -> f + ":" + parameter.getSchema().get(f)).collect(Collectors.joining(";"))
        + parameter.getExtensions();
  }
}
