// Raw `ws` clients of one tenant on one gateway, for attacks the official client cannot make:
// a client that joins and then stops reading (its socket paused), or sends frames at will.
import { WebSocket } from 'ws';

export interface RawClient {
  ws: WebSocket;
  /** Text frames parsed (2.0.0 arrays) and binary frames as bytes; only the first ones with `keep`. */
  frames: unknown[];
  /** Bytes received, every frame counted. */
  bytes: number;
  send(frame: unknown): void;
  /** Stops reading: the kernel buffers fill, then the gateway's. */
  stopReading(): void;
  /** The close as this client saw it (a paused client sees it only once it reads again). */
  closed: Promise<{ code: number; reason: string }>;
}

/**
 * `keep`: how many frames to parse and keep (a benchmark's readers keep only the join reply).
 * `headers`: extra upgrade headers, e.g. x- headers for channel policies, which realtime-js
 * cannot send on a WebSocket.
 */
export async function rawClient(port: number, tenant: string, key: string, keep = Infinity, headers: Record<string, string> = {}): Promise<RawClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/realtime/v1/websocket?vsn=2.0.0&apikey=${key}`, { headers: { ...headers, host: `${tenant}.localhost:${port}` } });
  const frames: unknown[] = [];
  const client = { bytes: 0 } as RawClient;
  ws.on('message', (data, isBinary) => {
    client.bytes += (data as Buffer).length;
    if (frames.length < keep) frames.push(isBinary ? new Uint8Array(data as Buffer) : JSON.parse(String(data)));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  ws.on('error', () => {}); // a cut-off client sees ECONNRESET; the test looks at `closed`
  await new Promise((resolve, reject) => ws.once('open', resolve).once('unexpected-response', (_req, res) => reject(new Error(`upgrade ${res.statusCode}`))));
  return Object.assign(client, { ws, frames, closed, send: (frame: unknown) => ws.send(JSON.stringify(frame)), stopReading: () => ws.pause() });
}

/** Joins `topic` (public) and waits for the ok reply. */
export async function rawJoin(client: RawClient, topic: string, timeoutMs = 10_000): Promise<void> {
  client.send(['1', '1', `realtime:${topic}`, 'phx_join', { config: {} }]);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = client.frames.find((f) => Array.isArray(f) && f[1] === '1' && f[3] === 'phx_reply') as [unknown, unknown, unknown, unknown, { status: string }] | undefined;
    if (reply) {
      if (reply[4].status !== 'ok') throw new Error(`join refused: ${JSON.stringify(reply[4])}`);
      return;
    }
    if (Date.now() > deadline) throw new Error('join timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One value of a Prometheus text page (the first series of that name). */
export function metric(text: string, name: string): number {
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}
