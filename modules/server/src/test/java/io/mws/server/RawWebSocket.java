package io.mws.server;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket client on a plain socket, for what library clients will not do: never answer a ping,
 * stop reading altogether, or send exactly the frame a test wants. Reads and writes single frames.
 */
final class RawWebSocket implements AutoCloseable {
  static final int TEXT = 0x1;
  static final int BINARY = 0x2;
  static final int CLOSE = 0x8;
  static final int PING = 0x9;

  record Frame(int opcode, byte[] payload) {
    String text() { return new String(payload, StandardCharsets.UTF_8); }

    int closeCode() { return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1; }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Opens a connection and completes the handshake; {@code receiveBuffer} > 0 shrinks the socket's receive buffer. */
  static RawWebSocket connect(int port, String path, int receiveBuffer) throws IOException {
    var socket = new Socket();
    if (receiveBuffer > 0) socket.setReceiveBufferSize(receiveBuffer);
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setSoTimeout(20_000);
    var ws = new RawWebSocket(socket);
    ws.out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    var head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) head.write(ws.in.readUnsignedByte());
    if (!head.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 101")) {
      socket.close();
      throw new IOException("handshake refused: " + head);
    }
    return ws;
  }

  void sendText(String text) throws IOException {
    send(TEXT, text.getBytes(StandardCharsets.UTF_8));
  }

  /** One final frame, masked as a client must. */
  void send(int opcode, byte[] payload) throws IOException {
    sendHeader(opcode, payload.length);
    var masked = new byte[payload.length];
    for (int i = 0; i < payload.length; i++) masked[i] = (byte) (payload[i] ^ MASK[i % 4]);
    out.write(masked);
    out.flush();
  }

  /**
   * Only the header of a frame announcing {@code length} bytes. A server that refuses the frame on its
   * header closes with nothing left unread, so the close frame is not lost to a TCP reset.
   */
  void sendHeader(int opcode, long length) throws IOException {
    var header = ByteBuffer.allocate(14);
    header.put((byte) (0x80 | opcode));
    if (length < 126) {
      header.put((byte) (0x80 | length));
    } else if (length < 65536) {
      header.put((byte) (0x80 | 126)).putShort((short) length);
    } else {
      header.put((byte) (0x80 | 127)).putLong(length);
    }
    header.put(MASK);
    out.write(header.array(), 0, header.position());
    out.flush();
  }

  private static final byte[] MASK = {1, 2, 3, 4};

  /** The next frame from the server (unmasked, unfragmented as MWS sends them). */
  Frame read() throws IOException {
    int first = in.readUnsignedByte();
    int second = in.readUnsignedByte();
    long length = second & 0x7f;
    if (length == 126) length = in.readUnsignedShort();
    else if (length == 127) length = in.readLong();
    var payload = new byte[(int) length];
    in.readFully(payload);
    return new Frame(first & 0x0f, payload);
  }

  /** Reads frames until a close frame arrives; returns it. Counts text frames on the way. */
  Frame readUntilClose(int[] textFrames) throws IOException {
    while (true) {
      var frame = read();
      if (frame.opcode() == CLOSE) return frame;
      if (frame.opcode() == TEXT) textFrames[0]++;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
