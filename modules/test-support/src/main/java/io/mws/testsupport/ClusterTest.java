package io.mws.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class that boots real MWS nodes (clustered Hazelcast, each a few seconds to start) or
 * runs external processes (Node.js, a browser, kubectl, PostgreSQL). {@code mvn -B test -Pfast}
 * leaves these out (the "cluster" tag), so the tests of one verticle alone run in seconds
 * (docs/testing.md).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(ClusterTest.TAG)
public @interface ClusterTest {
  String TAG = "cluster";
}
