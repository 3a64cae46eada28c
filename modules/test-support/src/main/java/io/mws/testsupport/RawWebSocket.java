package io.mws.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A WebSocket client on a plain socket, for what library clients will not do: never answer a ping,
 * stop reading altogether, send a handshake with any headers, or send exactly the frame a test wants
 * (a header alone, RSV1 set by hand, a fragment). Writes and reads may happen on two threads.
 */
public final class RawWebSocket implements AutoCloseable {
  public static final int CONTINUATION = 0x0;
  public static final int TEXT = 0x1;
  public static final int BINARY = 0x2;
  public static final int CLOSE = 0x8;
  public static final int PING = 0x9;
  private static final byte[] MASK = {0x37, 0x11, 0x5a, 0x2c};

  /** A frame from the server ({@code compressed}: RSV1, permessage-deflate); a close frame's code is its first two bytes. */
  public record Frame(int opcode, boolean compressed, byte[] payload) {
    public String text() { return new String(payload, StandardCharsets.UTF_8); }

    /** The close code, or 1005 (no status) when the close frame carries none. */
    public int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
    }
  }

  /** The server's answer to the handshake: its status line and headers, and the body of a refusal. */
  public record Handshake(int status, String head, String body) {}

  public final Handshake handshake;
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private RawWebSocket(Socket socket, DataInputStream in, Handshake handshake) throws IOException {
    this.socket = socket;
    this.handshake = handshake;
    this.in = in;
    this.out = socket.getOutputStream();
  }

  /** Opens a connection and completes the handshake; {@code receiveBuffer} > 0 shrinks the socket's receive buffer. */
  public static RawWebSocket connect(int port, String path, int receiveBuffer) throws IOException {
    var ws = open(port, path, Map.of(), receiveBuffer);
    if (ws.handshake.status() != 101) {
      ws.close();
      throw new IOException("handshake refused: " + ws.handshake.head());
    }
    return ws;
  }

  /** Sends the upgrade with {@code headers}; the socket stays open whatever the answer (read {@link #handshake}). */
  public static RawWebSocket open(int port, String path, Map<String, String> headers) throws IOException {
    return open(port, path, headers, 0);
  }

  private static RawWebSocket open(int port, String path, Map<String, String> headers, int receiveBuffer)
      throws IOException {
    var socket = new Socket();
    try {
      if (receiveBuffer > 0) socket.setReceiveBufferSize(receiveBuffer);
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout(30_000);
      var request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
          + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n"
          + "Sec-WebSocket-Version: 13\r\n");
      headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
      socket.getOutputStream().write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
      var in = new DataInputStream(socket.getInputStream());
      var head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) head.write(in.readUnsignedByte());
      var text = head.toString(StandardCharsets.US_ASCII);
      int status = Integer.parseInt(text.substring(9, 12));
      String body = "";
      var length = text.lines().filter(l -> l.toLowerCase().startsWith("content-length:")).findFirst();
      if (status != 101 && length.isPresent()) {
        var bytes = new byte[Integer.parseInt(length.get().substring(15).strip())];
        in.readFully(bytes);
        body = new String(bytes, StandardCharsets.UTF_8);
      }
      return new RawWebSocket(socket, in, new Handshake(status, text, body));
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  public void sendText(String text) throws IOException {
    send(TEXT, text.getBytes(StandardCharsets.UTF_8));
  }

  /** One final, uncompressed frame. */
  public void send(int opcode, byte[] payload) throws IOException {
    send(opcode, false, true, payload);
  }

  /** One masked frame; {@code compressed} sets RSV1 (permessage-deflate's mark on a message's first frame). */
  public synchronized void send(int opcode, boolean compressed, boolean fin, byte[] payload) throws IOException {
    var frame = ByteBuffer.allocate(14 + payload.length); // one write: no Nagle delay between header and payload
    putHeader(frame, (fin ? 0x80 : 0) | (compressed ? 0x40 : 0) | opcode, payload.length);
    for (int i = 0; i < payload.length; i++) frame.put((byte) (payload[i] ^ MASK[i % 4]));
    out.write(frame.array(), 0, frame.position());
    out.flush();
  }

  /**
   * Only the header of a final frame announcing {@code length} bytes. A server that refuses the frame
   * on its header closes with nothing left unread, so the close frame is not lost to a TCP reset.
   */
  public synchronized void sendHeader(int opcode, long length) throws IOException {
    var header = ByteBuffer.allocate(14);
    putHeader(header, 0x80 | opcode, length);
    out.write(header.array(), 0, header.position());
    out.flush();
  }

  private static void putHeader(ByteBuffer frame, int firstByte, long length) {
    frame.put((byte) firstByte);
    if (length < 126) {
      frame.put((byte) (0x80 | length));
    } else if (length < 65536) {
      frame.put((byte) (0x80 | 126)).putShort((short) length);
    } else {
      frame.put((byte) (0x80 | 127)).putLong(length);
    }
    frame.put(MASK);
  }

  /** The next frame the server sends (it sends them unfragmented, and uncompressed unless asked). */
  public Frame read() throws IOException {
    int first = in.readUnsignedByte();
    long length = in.readUnsignedByte() & 0x7f;
    if (length == 126) length = in.readUnsignedShort();
    else if (length == 127) length = in.readLong();
    var payload = new byte[(int) length];
    in.readFully(payload);
    return new Frame(first & 0x0f, (first & 0x40) != 0, payload);
  }

  /** Reads frames until a close frame arrives; returns it. Counts text frames on the way. */
  public Frame readUntilClose(int[] textFrames) throws IOException {
    return readUntil(text -> {
      textFrames[0]++;
      return false;
    });
  }

  /** Frames until a close frame, or until a text frame {@code stop} accepts; returns that frame. */
  public Frame readUntil(Predicate<String> stop) throws IOException {
    while (true) {
      var frame = read();
      if (frame.opcode() == CLOSE || (frame.opcode() == TEXT && stop.test(frame.text()))) return frame;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
