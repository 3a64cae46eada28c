package io.mws.api;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.BusCodecs;
import io.mws.protocol.ForwardedRequest;
import io.mws.protocol.HttpEndpoint;
import io.mws.protocol.RefusalMetrics;
import io.mws.protocol.VhostSettingsCache;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The REST API: served over HTTP through {@link #endpoint()}, and to WebSocket clients through the
 * gateway, which forwards their requests to {@link Addresses#API_REQUEST}. Also feeds the backends'
 * SSE streams from {@link Addresses#BACKEND_FEED}. Config: the {@code http} section with {@code limits}
 * in it ({@link ApiSettings}).
 */
public final class HttpApiVerticle extends VerticleBase {
  /** Room for the JSON envelope around an event's data. */
  private static final int ENVELOPE_BYTES = 4096;

  private final MeterRegistry registry;
  private volatile HttpEndpoint endpoint;

  /** With meters of its own (deployed by class name, or alone in a test). */
  public HttpApiVerticle() {
    this(new SimpleMeterRegistry());
  }

  /** @param registry where it records its meters (the node's Prometheus registry) */
  public HttpApiVerticle(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    BusCodecs.register(vertx);
    var config = ApiSettings.from(config()); // a bad value fails the start here, naming its key
    var settings = new VhostSettingsCache(vertx);
    var events = new EventResources(config.maxPayloadBytes(),
        new PublishLimits(settings, config.limits().publishesPerSecond()), settings);
    // Relationship routes read other routes through the router they end up in.
    var built = new java.util.concurrent.atomic.AtomicReference<ApiRouter>();
    var routes = routes(events, built::get);
    return ContractValidation.load(vertx, OpenApiResource.document()).compose(contract -> {
      var router = new ApiRouter(vertx, routes, new Cors(settings), contract);
      built.set(router);
      return serve(router, events, config);
    });
  }

  private Future<?> serve(ApiRouter router, EventResources events, ApiSettings config) {
    var streams = new BackendEventStreams(vertx);
    endpoint = new HttpApiEndpoint(vertx, router, streams, new ConsoleFiles(vertx), new PusherApi(vertx, events),
        config.maxPayloadBytes() + ENVELOPE_BYTES, new RefusalMetrics(registry, "http"), config.clients());

    var forwarded = vertx.eventBus().<ForwardedRequest>consumer(Addresses.API_REQUEST, message -> {
      ForwardedRequest body;
      try {
        body = message.body(); // from another node, read here from its JSON
      } catch (RuntimeException e) {
        message.reply(ApiResponse.error(ApiError.badRequest("invalid_request", "The forwarded request is malformed.")));
        return;
      }
      // "client": the caller's address, when the forwarding gateway passes it (for failed-login budgets).
      router.handle(body.request(), body.client()).onSuccess(message::reply);
    });
    var backendFeed = vertx.eventBus().<JsonObject>consumer(Addresses.BACKEND_FEED,
        message -> streams.wake(message.body()));
    return Future.all(forwarded.completion(), backendFeed.completion());
  }

  private static List<Route> routes(EventResources events, java.util.function.Supplier<ApiRouter> router) {
    var routes = new ArrayList<Route>();
    routes.addAll(RootResource.routes());
    routes.addAll(OpenApiResource.routes());
    routes.addAll(VhostResources.routes());
    routes.addAll(ChannelResources.routes());
    routes.addAll(events.routes());
    routes.addAll(TokenResources.routes());
    routes.addAll(UserResources.routes());
    routes.addAll(PresenceResources.routes());
    routes.addAll(NodeResources.routes());
    routes.addAll(RelationshipResources.routes(router));
    routes.add(Route.stream("/v1/vhosts/{vhost}/events"));
    routes.add(Route.stream("/{vhost}/events"));
    return List.copyOf(routes);
  }

  /**
   * Every route the API serves, as "METHOD /template" ("GET /v1/vhosts/{vhost}"), SSE streams included:
   * the access-matrix test checks that it has a row for each, so no route goes untested.
   */
  public static List<String> routeSignatures() {
    return routes(new EventResources(0, null, null), () -> null).stream()
        .map(r -> r.method() + " /" + String.join("/", r.segments())).toList();
  }

  /** Serves this verticle's HTTP requests; available once the verticle has started. */
  public HttpEndpoint endpoint() {
    return endpoint;
  }
}
