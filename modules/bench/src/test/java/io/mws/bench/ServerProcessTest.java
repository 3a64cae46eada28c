package io.mws.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Reading a server's figures from /proc and jcmd must never disturb the server. */
class ServerProcessTest {
  /** jcmd's attach sends SIGQUIT, which stops nginx and Node: a process that is no JVM is not asked. */
  @Test
  void liveHeapLeavesAProcessThatIsNoJvmAlone() throws Exception {
    var sleeper = new ProcessBuilder("sleep", "60").start();
    try {
      var server = new ServerProcess(sleeper.pid());
      assertThat(server.liveHeapMb()).isNaN();
      Thread.sleep(500);
      assertThat(sleeper.isAlive()).isTrue();
      assertThat(server.cpuSeconds()).isNotNaN();
    } finally {
      sleeper.destroyForcibly().waitFor();
    }
  }

  @Test
  void liveHeapOfThisJvmIsPositive() {
    assertThat(ServerProcess.self().liveHeapMb()).isPositive();
  }
}
