// A server-to-client WebSocket frame is never masked (RFC 6455 §5.1), so a frame fanned out to
// many sockets is the same bytes for each of them. ws would build a header per socket and write
// header and payload as two corked writes; here the whole frame is built once per message and the
// same Buffer is written to each socket's net.Socket (issue 11: the fan-out's per-socket cost).
// Only when nothing else may be in flight on that socket: ws's own queue (a deflate or Blob read
// in progress) must be empty and permessage-deflate off, else ws.send frames it as usual.
import type { WebSocket } from 'ws';

/** The parts of ws's internals this relies on (ws 8); anything missing means ws.send. */
interface WsInternals {
  _socket?: { write(chunk: Buffer): boolean };
  _sender?: { _state: number; _queue: unknown[]; _firstFragment: boolean };
  _extensions?: Record<string, unknown>;
}

const TEXT = 0x1;
const BINARY = 0x2;
const FIN = 0x80;
const IDLE_SENDER = 0; // ws Sender's DEFAULT state: not deflating, not reading a Blob
const PERMESSAGE_DEFLATE = 'permessage-deflate'; // the one extension ws negotiates

/** The complete unmasked frame (FIN set) carrying `payload` as one text or binary message. */
export function buildFrame(payload: Uint8Array, binary: boolean): Buffer {
  const length = payload.byteLength;
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = FIN | (binary ? BINARY : TEXT);
  if (length < 126) frame[1] = length;
  else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.set(payload, headerLength);
  return frame;
}

// The fan-out sends one payload object to many sockets in a row: the last frame built is kept by
// the payload's identity (transport/ws.ts hands the same Buffer for the same text).
let lastPayload: Uint8Array | null = null;
let lastBinary = false;
let lastFrame: Buffer = Buffer.alloc(0);

function frameOf(payload: Uint8Array, binary: boolean): Buffer {
  if (payload !== lastPayload || binary !== lastBinary) {
    lastFrame = buildFrame(payload, binary);
    lastPayload = payload;
    lastBinary = binary;
  }
  return lastFrame;
}

/** Sends `payload` as one message: the prebuilt frame straight to the socket when that is safe. */
export function sendPrebuilt(ws: WebSocket, payload: Uint8Array, binary: boolean): void {
  const inner = ws as unknown as WsInternals;
  const sender = inner._sender;
  const safe = ws.readyState === ws.OPEN && inner._socket && sender && sender._state === IDLE_SENDER && sender._queue.length === 0
    && sender._firstFragment && inner._extensions?.[PERMESSAGE_DEFLATE] === undefined;
  if (safe) inner._socket!.write(frameOf(payload, binary));
  else ws.send(payload, { binary });
}
