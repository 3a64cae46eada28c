package io.mws.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.protocol.CloseCode.Protocol;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The close codes are written down in four places: the catalogue {@link CloseCode}, the JS client's
 * table (clients/js/src/close-codes.js), docs/websocket.md ("Close codes") and docs/pusher.md
 * ("Errors"). Each copy is read here and compared with the catalogue, so none of them can drift; and no
 * production class spells a close code as a number of its own.
 */
class CloseCodeCatalogueTest {
  private static final Path ROOT = RepositoryFiles.ROOT;

  /** What a copy says of one code: its reconnect and refresh flags and a text (meaning or constant name). */
  record Entry(String text, boolean reconnect, boolean refresh) {}

  @Test
  void theJavaScriptClientFollowsTheCatalogue() {
    var js = byCode(
        Pattern.compile(
            "^\\s*(\\d{4}): \\{ meaning: '((?:[^'\\\\]|\\\\.)*)', reconnect: (true|false), refresh: (true|false) },?$",
            Pattern.MULTILINE),
        RepositoryFiles.read("clients/js/src/close-codes.js"),
        m -> new Entry(m.group(2).replace("\\'", "'"), Boolean.parseBoolean(m.group(3)),
            Boolean.parseBoolean(m.group(4))));
    assertThat(js).isEqualTo(expected(Protocol.MWS, c -> new Entry(c.meaning(), c.reconnect(), c.refreshToken())));
  }

  @Test
  void docsWebsocketListsTheCatalogue() {
    var section = section(RepositoryFiles.read("docs/websocket.md"), "## Close codes");
    var rows = byCode(
        Pattern.compile("^\\| (\\d{4}) \\| `([A-Z_]+)` \\| .+ \\| (yes|no) \\| (yes|no) \\|$", Pattern.MULTILINE),
        section, m -> new Entry(m.group(2), m.group(3).equals("yes"), m.group(4).equals("yes")));
    assertThat(rows).isEqualTo(expected(Protocol.MWS, c -> new Entry(c.name(), c.reconnect(), c.refreshToken())));
  }

  @Test
  void docsPusherListsThePusherCodesWithWhatPusherJsDoes() {
    var section = section(RepositoryFiles.read("docs/pusher.md"), "## Errors");
    var rows = byCode(
        Pattern.compile("^\\| (\\d{4}) \\| .+ \\| (gives up|reconnects with back-off|reconnects at once) \\|$",
            Pattern.MULTILINE),
        section, m -> m.group(2));
    var pusher = Arrays.stream(CloseCode.values()).filter(c -> c.protocol() == Protocol.PUSHER)
        .collect(Collectors.toMap(c -> (int) c.code(), CloseCode::reconnect, (a, b) -> a, TreeMap::new));
    assertThat(rows.keySet()).isEqualTo(pusher.keySet());
    // pusher-js acts on the range: 4000-4099 give up, 4100-4199 back off, 4200-4299 reconnect at once.
    pusher.forEach((code, reconnect) -> {
      assertThat(reconnect).as("reconnect of %d", code).isEqualTo(code >= 4100);
      assertThat(rows.get(code)).as("pusher.md on %d", code)
          .isEqualTo(code < 4100 ? "gives up" : code < 4200 ? "reconnects with back-off" : "reconnects at once");
    });
  }

  @Test
  void aCodeIsLookedUpPerProtocolTheRfcCodesBeingShared() {
    assertThat(CloseCode.of(Protocol.MWS, 4001)).contains(CloseCode.CREDENTIALS_REVOKED);
    assertThat(CloseCode.of(Protocol.PUSHER, 4001)).contains(CloseCode.PUSHER_APP_NOT_FOUND);
    assertThat(CloseCode.of(Protocol.PUSHER, 1009)).contains(CloseCode.TOO_BIG);
    assertThat(CloseCode.of(Protocol.WEBSOCKET, 1007)).contains(CloseCode.INVALID_TEXT);
    assertThat(CloseCode.of(Protocol.WEBSOCKET, 4000)).isEmpty();
  }

  @Test
  void noProductionClassSpellsACloseCodeOfItsOwn() throws IOException {
    // A constant such as "short TOO_BIG = 1009" or a close((short) 1012, ...) is a second catalogue.
    var ownCode = Pattern.compile("short\\s+[A-Z_]+\\s*=\\s*\\d{4}\\s*;|close\\(\\s*\\(short\\)\\s*\\d{4}");
    try (Stream<Path> files = Files.walk(ROOT.resolve("modules"))) {
      var offenders = files
          .filter(p -> p.toString().endsWith(".java") && p.toString().contains("src" + java.io.File.separator + "main"))
          .filter(p -> !p.toString().contains(java.io.File.separator + "bench" + java.io.File.separator)) // the baseline server is not MWS
          .filter(p -> ownCode.matcher(RepositoryFiles.read(p)).find())
          .map(p -> ROOT.relativize(p).toString())
          .toList();
      assertThat(offenders).as("classes with close codes of their own").isEmpty();
    }
  }

  /** One value per row of a table (group 1: the code); a code listed twice fails. */
  private static <T> Map<Integer, T> byCode(Pattern row, String text, Function<MatchResult, T> value) {
    return row.matcher(text).results().collect(Collectors.toMap(m -> Integer.parseInt(m.group(1)), value,
        (a, b) -> {
          throw new AssertionError("a code listed twice: " + a + ", " + b);
        }, TreeMap::new));
  }

  /** The catalogue's codes seen on an endpoint of {@code protocol} (with the shared RFC codes), code -> entry. */
  private static Map<Integer, Entry> expected(Protocol protocol, Function<CloseCode, Entry> entry) {
    return Arrays.stream(CloseCode.values())
        .filter(c -> c.protocol() == protocol || c.protocol() == Protocol.WEBSOCKET)
        .collect(Collectors.toMap(c -> (int) c.code(), entry, (a, b) -> a, TreeMap::new));
  }

  /** The text from a heading to the next heading of the same or a higher level. */
  private static String section(String markdown, String heading) {
    int start = markdown.indexOf("\n" + heading + "\n");
    assertThat(start).as("heading %s", heading).isNotNegative();
    var level = heading.substring(0, heading.indexOf(' ') + 1);
    var next = Pattern.compile("\n#{1," + (level.length() - 1) + "} ").matcher(markdown);
    int end = next.find(start + heading.length() + 1) ? next.start() : markdown.length();
    return markdown.substring(start, end);
  }
}
