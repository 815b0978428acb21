// Throw-away presence channels, as a hostile client makes them: plain WebSockets (vsn 2.0.0) spread
// over the gateways, each joining channel after channel with presence, tracking once and leaving,
// a bounded number of channels in flight per socket. Used by test-e2e/hostile and
// scripts/bench/presence-churn.ts.
import WebSocket from 'ws';

export interface ChurnOptions {
  ports: number[];
  tenant: string;
  key: string;
  /** Topic prefix; channel i is `${prefix}-${i}`. */
  prefix: string;
  channels: number;
  sockets: number;
  /** Channels between join and leave reply, per socket (below max_channels_per_client). */
  inFlight: number;
}

export interface ChurnResult {
  /** Channels whose join, track or leave was not answered `ok`. */
  failed: number;
  elapsedMs: number;
}

type Frame = [string | null, string | null, string, string, { status?: string }];

export async function churnPresence(o: ChurnOptions): Promise<ChurnResult> {
  const start = performance.now();
  const perSocket = Math.ceil(o.channels / o.sockets);
  const results = await Promise.all(Array.from({ length: o.sockets }, (_, s) =>
    churnOnSocket(o, o.ports[s % o.ports.length]!, s * perSocket, Math.min(o.channels, (s + 1) * perSocket))));
  return { failed: results.reduce((a, b) => a + b, 0), elapsedMs: performance.now() - start };
}

async function churnOnSocket(o: ChurnOptions, port: number, from: number, to: number): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket/websocket?apikey=${o.key}&vsn=2.0.0`, { headers: { host: `${o.tenant}.localhost` } });
  const replies = new Map<string, (status: string) => void>();
  ws.on('message', (data) => {
    const [, ref, , event, payload] = JSON.parse(data.toString()) as Frame;
    if (event === 'phx_reply' && ref !== null) {
      replies.get(ref)?.(payload.status ?? '');
      replies.delete(ref);
    }
  });
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  let ref = 0;
  const request = (joinRef: string | null, topic: string, event: string, payload: object) => {
    const r = String(++ref);
    const reply = new Promise<string>((resolve) => replies.set(r, resolve));
    ws.send(JSON.stringify([joinRef, r, topic, event, payload]));
    return Promise.race([reply, closed.then(() => 'closed')]);
  };
  const heartbeat = setInterval(() => void request(null, 'phoenix', 'heartbeat', {}), 20_000);
  let failed = 0;
  let next = from;
  const worker = async () => {
    while (next < to) {
      const i = next++;
      const topic = `realtime:${o.prefix}-${i}`;
      const joinRef = String(i);
      const joined = await request(joinRef, topic, 'phx_join', { config: { presence: { key: `u${i}`, enabled: true } }, access_token: o.key });
      const tracked = joined === 'ok' ? await request(joinRef, topic, 'presence', { type: 'presence', event: 'track', payload: { i } }) : 'skipped';
      const left = await request(joinRef, topic, 'phx_leave', {});
      if (joined !== 'ok' || tracked !== 'ok' || left !== 'ok') failed++;
    }
  };
  try {
    await Promise.all(Array.from({ length: o.inFlight }, worker));
  } finally {
    clearInterval(heartbeat);
    ws.close();
  }
  return failed;
}
