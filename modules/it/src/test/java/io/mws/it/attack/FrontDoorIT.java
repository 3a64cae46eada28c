package io.mws.it.attack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP front door of a real mws.jar under attack (docs/security.md, "The HTTP front door"). Clients
 * take distinct loopback addresses (127.0.0.0/8 is all loopback on Linux) so the per-address cap sees
 * distinct clients: slowloris sockets are spread thin under the cap, the cap itself is attacked from one
 * address, and the probes come from 127.0.0.1.
 */
class FrontDoorIT {
  static final int HEAD_SECONDS = 3;
  static final int IDLE_SECONDS = 6;
  static final int CAP = 50;
  static final int SLOWLORIS = 2000;
  static final int IDLE = 300;
  static SingleNode node;
  static volatile long probesStarted;
  /** Seconds after the first probe that the slowest one started (to tell the phase that slowed it). */
  static volatile double slowestProbeAt;

  @BeforeAll
  static void start() throws Exception {
    node = SingleNode.builder("front-door").config("http:\n  requestHeadTimeoutSeconds: " + HEAD_SECONDS
        + "\n  idleTimeoutSeconds: " + IDLE_SECONDS + "\nlimits:\n  connectionsPerClientIp: " + CAP + "\n").start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) node.close();
  }

  @Test
  void slowlorisSocketsAreClosedAtTheHeadDeadlineWhileProbesAreServed() throws Exception {
    var sockets = new ArrayList<Socket>();
    var latencies = new CopyOnWriteArrayList<Long>();
    var failures = new AtomicInteger();
    var probing = new AtomicBoolean(true);
    var probe = new Thread(() -> probe(probing, latencies, failures), "probe");
    try {
      for (int i = 0; i < SLOWLORIS; i++) {
        var socket = connect(client(10 + i / (CAP - 1)));
        write(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
        sockets.add(socket);
      }
      long opened = System.nanoTime();
      probe.start();
      // A header byte a second from every socket the server has not answered yet, until all are closed
      // (bounded: on a loaded machine the deadlines fire late).
      var answers = new ArrayList<String>(Collections.nCopies(SLOWLORIS, (String) null));
      long bound = opened + (HEAD_SECONDS + 30) * 1_000_000_000L;
      while (answers.contains(null) && System.nanoTime() < bound) {
        for (int i = 0; i < SLOWLORIS; i++) {
          if (answers.get(i) != null) continue;
          var socket = sockets.get(i);
          try {
            if (socket.getInputStream().available() > 0) answers.set(i, drain(socket, 1_000)); // the 408, then the close
            else write(socket, "X");
          } catch (IOException closed) {
            answers.set(i, drain(socket)); // closed without an answer
          }
        }
        Thread.sleep(1000);
      }
      double waited = (System.nanoTime() - opened) / 1e9;
      int open = (int) answers.stream().filter(a -> a == null).count();
      int answered408 = (int) answers.stream().filter(a -> a != null && a.startsWith("HTTP/1.1 408")).count();
      probing.set(false);
      probe.join(10_000);
      System.out.printf(
          "slowloris: %d sockets trickling a byte a second; all closed within %.1f s of the last opened (deadline %d s): "
              + "%d still open, %d got 408%n",
          SLOWLORIS, waited, HEAD_SECONDS, open, answered408);
      printLatencies("probes during slowloris", latencies);
      System.out.printf("the slowest probe started %.1f s after the first%n", slowestProbeAt);
      assertThat(open).as("slowloris sockets still open " + (HEAD_SECONDS + 30) + " s after the last opened").isZero();
      assertThat(answered408).as("slowloris sockets told 408 (a few may see a reset first)")
          .isGreaterThan(SLOWLORIS * 9 / 10);
      assertThat(failures.get()).as("probes unanswered").isZero();
      assertThat(latencies).as("probes answered").isNotEmpty();
    } finally {
      probing.set(false);
      for (var socket : sockets) socket.close();
    }
  }

  @Test
  void idleKeepAliveSocketsAreClosedAtTheIdleDeadline() throws Exception {
    var sockets = new ArrayList<Socket>();
    try {
      for (int i = 0; i < IDLE; i++) {
        var socket = connect(client(200 + i / (CAP - 1)));
        write(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        sockets.add(socket);
      }
      for (var socket : sockets) assertThat(readAnswer(socket)).startsWith("HTTP/1.1 200");
      long answered = System.nanoTime();
      Thread.sleep(IDLE_SECONDS / 3 * 1000L); // well before the deadline, which counts from each answer
      int openBefore = 0;
      for (var socket : sockets) if (drain(socket) == null) openBefore++;
      int openAfter = (int) awaitClosed(sockets, 30).stream().filter(a -> a == null).count();
      System.out.printf(
          "idle keep-alive: %d sockets; open %d s after their answer: %d; all closed after %.1f s (deadline %d s), open: %d%n",
          IDLE, IDLE_SECONDS / 3, openBefore, (System.nanoTime() - answered) / 1e9, IDLE_SECONDS, openAfter);
      assertThat(openBefore).as("kept alive until the idle deadline").isEqualTo(IDLE);
      assertThat(openAfter).as("closed after it (within 30 s)").isZero();
    } finally {
      for (var socket : sockets) socket.close();
    }
  }

  @Test
  void oneAddressGetsItsCapAndTheNextConnectionA429() throws Exception {
    var address = client(250);
    var held = new ArrayList<Socket>();
    try {
      for (int i = 0; i < CAP; i++) held.add(connect(address));
      for (var socket : held) {
        write(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(readAnswer(socket)).startsWith("HTTP/1.1 200");
      }
      try (var over = connect(address)) {
        var refused = drainUntilClosed(over);
        assertThat(refused).startsWith("HTTP/1.1 429").contains("too_many_connections").contains("Retry-After");
      }
      try (var other = connect(client(251))) {
        write(other, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(readAnswer(other)).as("another address").startsWith("HTTP/1.1 200");
      }
    } finally {
      for (var socket : held) socket.close();
    }
  }

  @Test
  void smugglingH2cAndMetricsOnThePublicPortAreRefused() throws Exception {
    try (var socket = connect(client(252))) {
      write(socket,
          "POST /v1/vhosts HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
      assertThat(drainUntilClosed(socket)).startsWith("HTTP/1.1 400").contains("Transfer-Encoding");
    }
    try (var socket = connect(client(252))) {
      write(socket, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
      assertThat(drainUntilClosed(socket)).startsWith("HTTP/1.1 505").contains("http_version_not_supported")
          .contains("h2c");
    }
    try (var socket = connect(client(252))) {
      write(socket,
          "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
      assertThat(readAnswer(socket)).as("no 101: answered as HTTP/1.1").startsWith("HTTP/1.1 200");
    }
    var http = HttpClient.newHttpClient();
    var onPublic = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(onPublic.statusCode()).isEqualTo(404);
    assertThat(onPublic.body()).contains("management port");
    var onManagement = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.managementPort + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(onManagement.statusCode()).isEqualTo(200);
    assertThat(onManagement.body()).contains("mws_");
  }

  /** GET /healthz from 127.0.0.1 every 100 ms, each on a fresh connection (as a new client would come). */
  private static void probe(AtomicBoolean probing, List<Long> latencies, AtomicInteger failures) {
    probesStarted = System.nanoTime();
    while (probing.get()) {
      long start = System.nanoTime();
      try (var socket = connect(InetAddress.getLoopbackAddress())) {
        write(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        if (drainUntilClosed(socket).startsWith("HTTP/1.1 200")) {
          long latency = System.nanoTime() - start;
          if (latencies.stream().allMatch(l -> l < latency)) slowestProbeAt = (start - probesStarted) / 1e9;
          latencies.add(latency);
        } else failures.incrementAndGet();
        Thread.sleep(100);
      } catch (Exception e) {
        failures.incrementAndGet();
      }
    }
  }

  private static void printLatencies(String what, List<Long> nanos) {
    var sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    if (sorted.isEmpty()) return;
    System.out.printf("%s: n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms%n", what, sorted.size(),
        sorted.get(sorted.size() / 2) / 1e6,
        sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1)) / 1e6,
        sorted.get(sorted.size() - 1) / 1e6);
  }

  /** The loopback address 127.0.0.{@code n}: a distinct client for the server. */
  private static InetAddress client(int n) throws IOException {
    return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) n});
  }

  private static Socket connect(InetAddress from) throws IOException {
    var socket = new Socket();
    socket.bind(new InetSocketAddress(from, 0));
    socket.connect(new InetSocketAddress("127.0.0.1", node.httpPort), 5_000);
    return socket;
  }

  private static void write(Socket socket, String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
  }

  /** One answer: its head and its Content-Length of body (at most 5 s), the connection left open. */
  private static String readAnswer(Socket socket) throws IOException {
    var out = new ByteArrayOutputStream();
    var buffer = new byte[8192];
    socket.setSoTimeout(5_000);
    try {
      int n;
      while ((n = socket.getInputStream().read(buffer)) > 0) {
        out.write(buffer, 0, n);
        var text = out.toString(StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        var length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(text);
        if (end >= 0 && length.find() && text.length() - end - 4 >= Integer.parseInt(length.group(1))) break;
      }
    } catch (SocketTimeoutException incomplete) {
      // what arrived
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /** Polls until every socket is closed by the server (or {@code seconds} pass): what each got before closing, null if open. */
  private static List<String> awaitClosed(List<Socket> sockets, int seconds) throws Exception {
    var answers = new ArrayList<String>(Collections.nCopies(sockets.size(), (String) null));
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (true) {
      for (int i = 0; i < sockets.size(); i++) if (answers.get(i) == null) answers.set(i, drain(sockets.get(i)));
      if (!answers.contains(null) || System.nanoTime() > deadline) return answers;
      Thread.sleep(100);
    }
  }

  /** What the server sent before closing, or null while the socket is still open (nothing more within 1 ms). */
  private static String drain(Socket socket) throws IOException {
    return drain(socket, 1);
  }

  private static String drain(Socket socket, int waitMillis) throws IOException {
    var out = new ByteArrayOutputStream();
    var buffer = new byte[8192];
    socket.setSoTimeout(waitMillis);
    try {
      int n;
      while ((n = socket.getInputStream().read(buffer)) >= 0) out.write(buffer, 0, n);
      return out.toString(StandardCharsets.ISO_8859_1);
    } catch (SocketTimeoutException open) {
      return null;
    } catch (IOException reset) {
      return out.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** Everything until the server closes (at most 10 s). */
  private static String drainUntilClosed(Socket socket) throws IOException {
    var text = drain(socket, 10_000);
    if (text == null) throw new AssertionError("not closed within 10 s");
    return text;
  }
}
