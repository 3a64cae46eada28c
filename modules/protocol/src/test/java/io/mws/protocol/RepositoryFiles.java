package io.mws.protocol;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout's files, for tests that compare code with the documents and clients beside it. */
final class RepositoryFiles {
  /** The first directory upwards from the module that holds docs/ and clients/js/. */
  static final Path ROOT = root();

  private RepositoryFiles() {}

  static String read(String relative) {
    return read(ROOT.resolve(relative));
  }

  static String read(Path path) {
    try {
      return Files.readString(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path root() {
    for (var dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("docs")) && Files.isDirectory(dir.resolve("clients/js"))) return dir;
    }
    throw new IllegalStateException("no docs/ and clients/js/ above " + Path.of("").toAbsolutePath());
  }
}
