package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.http.HttpMethod;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A keep-alive connection that carried a backend event stream (or a request for one) stays usable:
 * every later request on it is answered. Attacked over one raw HTTP/1.1 connection, request after
 * request, with the stream's HEAD, refused stream requests, pipelined requests behind them, and a
 * stream that ended by itself (its scoped token expired). A HEAD of a stream used to answer its head
 * and never end, so the connection's next request was never answered.
 */
@ClusterTest
class StreamConnectionReuseTest {
  static final int ROUNDS = 20;
  static TestCluster cluster;
  static String backend;
  static String client;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(1);
    backend = "Bearer " + cluster.createVhost("moon");
    client = "Bearer " + token("uid=u");
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  @Test
  void aStreamHeadAndRefusedStreamsLeaveTheConnectionAnswering() throws Exception {
    try (var connection = new RawConnection(cluster.port(0))) {
      for (int i = 0; i < ROUNDS; i++) {
        var head = connection.exchange("HEAD", "/v1/vhosts/moon/events", backend);
        assertThat(head.status()).as("round %d: HEAD of the stream", i).isEqualTo(200);
        assertThat(head.headers().get("content-type")).startsWith("text/event-stream");
        assertThat(connection.exchange("HEAD", "/moon/events", cluster.adminAuth()).status()).isEqualTo(200);
        assertThat(connection.exchange("GET", "/moon/events", client).status()).as("a client's stream").isEqualTo(403);
        assertThat(connection.exchange("GET", "/v1/vhosts/moon/events", null).status()).isEqualTo(401);
        assertThat(connection.exchange("GET", "/v1", null).status()).as("round %d: after the streams", i)
            .isEqualTo(200);
      }
    }
  }

  @Test
  void aRequestPipelinedBehindARefusedStreamIsAnswered() throws Exception {
    try (var connection = new RawConnection(cluster.port(0))) {
      for (int i = 0; i < ROUNDS; i++) {
        connection.write(RawConnection.request("GET", "/moon/events", client)
            + RawConnection.request("HEAD", "/v1/vhosts/moon/events", backend)
            + RawConnection.request("GET", "/v1", null));
        assertThat(connection.read(false).status()).as("round %d: the refused stream", i).isEqualTo(403);
        assertThat(connection.read(true).status()).as("the stream's HEAD").isEqualTo(200);
        assertThat(connection.read(false).status()).as("the request behind them").isEqualTo(200);
      }
    }
  }

  @Test
  void aStreamThatEndedLeavesItsConnectionAnswering() throws Exception {
    var shortLived = "Bearer " + token("scope=events&ttl=2");
    try (var connection = new RawConnection(cluster.port(0))) {
      long started = System.nanoTime();
      var stream = connection.exchange("GET", "/v1/vhosts/moon/events", shortLived);
      assertThat(stream.status()).isEqualTo(200);
      assertThat(stream.body()).as("the stream ends when its token expires").contains("event: mws/expired");
      System.out.printf("the stream ended after %d ms%n", (System.nanoTime() - started) / 1_000_000);
      for (int i = 0; i < ROUNDS; i++) {
        assertThat(connection.exchange("GET", "/v1", null).status()).as("request %d after the stream", i)
            .isEqualTo(200);
      }
    }
  }

  static String token(String query) throws Exception {
    var response = cluster.send(0, HttpMethod.GET, "/v1/vhosts/moon/token?" + query, backend, null);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getString("token");
  }

  /** One HTTP/1.1 keep-alive connection read response by response (Content-Length or chunked bodies). */
  static final class RawConnection implements AutoCloseable {
    record Response(int status, Map<String, String> headers, String body) {}

    private final Socket socket;
    private final InputStream in;

    RawConnection(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(10_000); // a request left unanswered fails the test here, with a SocketTimeoutException
      in = socket.getInputStream();
    }

    static String request(String method, String path, String authorization) {
      return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n";
    }

    Response exchange(String method, String path, String authorization) throws IOException {
      write(request(method, path, authorization));
      return read(method.equals("HEAD"));
    }

    void write(String text) throws IOException {
      socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
    }

    /** The next response; {@code head}: the answer to a HEAD, which has no body whatever its headers say. */
    Response read(boolean head) throws IOException {
      var statusLine = line();
      var headers = new TreeMap<String, String>();
      for (var line = line(); !line.isEmpty(); line = line()) {
        int colon = line.indexOf(':');
        headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
      }
      var body = new ByteArrayOutputStream();
      if (!head && "chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        for (int size = Integer.parseInt(line().strip(), 16); size > 0; size = Integer.parseInt(line().strip(), 16)) {
          body.write(in.readNBytes(size));
          line();
        }
        line();
      } else if (!head && headers.containsKey("content-length")) {
        body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
      }
      return new Response(Integer.parseInt(statusLine.split(" ")[1]), headers,
          body.toString(StandardCharsets.UTF_8));
    }

    private String line() throws IOException {
      var line = new StringBuilder();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) throw new IOException("the server closed the connection after: " + line);
        if (b != '\r') line.append((char) b);
      }
      return line.toString();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
