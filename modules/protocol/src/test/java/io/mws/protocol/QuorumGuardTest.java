package io.mws.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * What a node not whole did not find is 503 no_quorum, whether it was cut off before the read began or
 * while the read waited (the read that waited on a partition owned across the cut and was answered from
 * the empty copy the node took over); what it found, and any other failure, passes.
 */
class QuorumGuardTest {
  private final AtomicBoolean whole = new AtomicBoolean(true);
  private final QuorumGuard guard = new QuorumGuard(whole::get);

  @Test
  void anAbsenceReadWhileWholeIsAnswered() {
    for (int status : new int[] {401, 404, 410}) {
      assertThat(statusOf(guard.read(() -> absent(status)))).isEqualTo(status);
    }
  }

  @Test
  void anAbsenceReadWhileNotWholeIsNoQuorum() {
    whole.set(false);
    for (int status : new int[] {401, 404, 410}) {
      var error = ApiError.from(guard.read(() -> absent(status)).cause());
      assertThat(error.status()).isEqualTo(503);
      assertThat(error.reason()).isEqualTo("no_quorum");
      assertThat(error.headers()).containsKey("Retry-After");
    }
  }

  @Test
  void aReadThatBeganWholeAndEndedCutOffIsNoQuorum() {
    var pending = Promise.<String>promise();
    var answer = guard.read(pending::future);
    whole.set(false); // the node drops the other members while the read waits
    pending.fail(ApiError.unauthorized("The vhost token is not valid."));
    assertThat(ApiError.from(answer.cause()).reason()).isEqualTo("no_quorum");
  }

  @Test
  void whatWasFoundAndOtherFailuresPassWhileNotWhole() {
    whole.set(false);
    assertThat(guard.read(() -> Future.succeededFuture("found")).result()).isEqualTo("found");
    for (int status : new int[] {403, 409, 412, 422, 429}) {
      assertThat(statusOf(guard.read(() -> absent(status)))).isEqualTo(status);
    }
  }

  private static Future<String> absent(int status) {
    return Future.failedFuture(new ApiError(status, "r", "m"));
  }

  private static int statusOf(Future<?> answer) {
    return ApiError.from(answer.cause()).status();
  }
}
