package io.mws.it.attack;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A WebSocket client on a plain socket that sends what no library client would: compressed frames
 * built by hand (RSV1, permessage-deflate), a handshake with any headers. Writes and reads may happen
 * on two threads.
 */
final class AttackSocket implements AutoCloseable {
  static final int CONTINUATION = 0x0;
  static final int TEXT = 0x1;
  static final int CLOSE = 0x8;
  private static final byte[] MASK = {0x37, 0x11, 0x5a, 0x2c};

  /** A frame from the server ({@code compressed}: RSV1, permessage-deflate); a close frame's code is its first two bytes. */
  record Frame(int opcode, boolean compressed, byte[] payload) {
    String text() { return new String(payload, StandardCharsets.UTF_8); }

    int closeCode() { return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005; }
  }

  /** The server's answer to the handshake: its status line and headers, and the body of a refusal. */
  record Handshake(int status, String head, String body) {}

  final Handshake handshake;
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private AttackSocket(Socket socket, Handshake handshake) throws IOException {
    this.socket = socket;
    this.handshake = handshake;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Sends the upgrade with {@code headers}; the socket stays open whatever the answer (read {@link #handshake}). */
  static AttackSocket open(int port, String path, Map<String, String> headers) throws IOException {
    var socket = new Socket();
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
    return new AttackSocket(socket, new Handshake(status, text, body));
  }

  void sendText(String text) throws IOException {
    send(TEXT, false, true, text.getBytes(StandardCharsets.UTF_8));
  }

  /** One masked frame; {@code compressed} sets RSV1 (permessage-deflate's mark on a message's first frame). */
  synchronized void send(int opcode, boolean compressed, boolean fin, byte[] payload) throws IOException {
    var frame = ByteBuffer.allocate(14 + payload.length); // one write: no Nagle delay between header and payload
    frame.put((byte) ((fin ? 0x80 : 0) | (compressed ? 0x40 : 0) | opcode));
    if (payload.length < 126) {
      frame.put((byte) (0x80 | payload.length));
    } else if (payload.length < 65536) {
      frame.put((byte) (0x80 | 126)).putShort((short) payload.length);
    } else {
      frame.put((byte) (0x80 | 127)).putLong(payload.length);
    }
    frame.put(MASK);
    for (int i = 0; i < payload.length; i++) frame.put((byte) (payload[i] ^ MASK[i % 4]));
    out.write(frame.array(), 0, frame.position());
    out.flush();
  }

  /** The next frame the server sends (it sends them unfragmented and uncompressed unless asked). */
  Frame read() throws IOException {
    int first = in.readUnsignedByte();
    long length = in.readUnsignedByte() & 0x7f;
    if (length == 126) length = in.readUnsignedShort();
    else if (length == 127) length = in.readLong();
    var payload = new byte[(int) length];
    in.readFully(payload);
    return new Frame(first & 0x0f, (first & 0x40) != 0, payload);
  }

  /** Frames until a close frame, or until a text frame {@code stop} accepts; returns that frame. */
  Frame readUntil(java.util.function.Predicate<String> stop) throws IOException {
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
