package io.mws.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class that runs a tool outside the JDK (kubectl, PostgreSQL through scripts/postgres.sh)
 * without booting MWS nodes; it calls {@link Prerequisites} first. {@code mvn -B test -Pfast} leaves
 * these out too (the "external" tag), so the fast tests need nothing but the JDK (docs/testing.md).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(ExternalToolTest.TAG)
public @interface ExternalToolTest {
  String TAG = "external";
}
