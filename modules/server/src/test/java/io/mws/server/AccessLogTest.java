package io.mws.server;

import static io.vertx.core.http.HttpMethod.GET;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.mws.testsupport.ClusterTest;
import org.junit.jupiter.api.Test;

/** The access log (log.access): one line per HTTP request by default, none when it is turned off. */
@ClusterTest
class AccessLogTest {

  @Test
  void oneLinePerRequestWithMethodPathStatusBytesDurationAndClient() throws Exception {
    try (var capture = new LogCapture("text", Level.INFO); var cluster = TestCluster.start(1)) {
      cluster.send(0, GET, "/v1/vhosts/nowhere?token=t0ps3cret&x=1", null, null);
      var lines = accessLines(capture);
      System.out.println(lines);
      assertThat(lines).anyMatch(line -> line.matches(
          ".* mws\\.access: GET /v1/vhosts/nowhere\\?token=\\*\\*\\*&x=1 401 \\d+ bytes \\d+ ms 127\\.0\\.0\\.1 \\[.*requestId=.*\\]"));
      assertThat(String.join("\n", lines)).doesNotContain("t0ps3cret");
    }
  }

  @Test
  void logAccessFalseTurnsItOff() throws Exception {
    try (var capture = new LogCapture("text", Level.INFO);
        var cluster = TestCluster.start(1, config -> config.with("log", "access", false))) {
      for (int i = 0; i < 3; i++) cluster.send(0, GET, "/v1/vhosts/nowhere", null, null);
      assertThat(capture.lines()).as("some log").isNotEmpty();
      assertThat(accessLines(capture)).isEmpty();
    }
  }

  @Test
  void secretsInTheQueryAreMasked() {
    assertThat(AccessLog.target("/v1/x", "apikey=a&b=2&TOKEN=c&tokens=d"))
        .isEqualTo("/v1/x?apikey=***&b=2&TOKEN=***&tokens=d");
    assertThat(AccessLog.target("/", null)).isEqualTo("/");
    assertThat(AccessLog.target("/v1/ws", "token=eyJ.a.b")).isEqualTo("/v1/ws?token=***");
    assertThat(AccessLog.target("/v1/ws", "&&Token=s3cret&")).isEqualTo("/v1/ws?&&Token=***&");
    assertThat(AccessLog.target("/v1/x", "x=token=1&apikey=&ApiKey=k&token"))
        .isEqualTo("/v1/x?x=token=1&apikey=***&ApiKey=***&token");
  }

  private static java.util.List<String> accessLines(LogCapture capture) throws InterruptedException {
    Thread.sleep(200); // the line is written when the response has ended, on the server's event loop
    return capture.lines().stream().filter(line -> line.contains(" mws.access: ")).toList();
  }
}
