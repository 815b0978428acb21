// The load generator's clients: plain `ws` sockets speaking Phoenix vsn 2.0.0 JSON arrays, so the
// client side costs little per delivery and the same clients drive our gateway and the bare
// baseline server alike.
import WebSocket from 'ws';

export interface Target {
  port: number;
  /** Host header: the gateway finds the tenant in it (Node does not resolve *.localhost). */
  host: string;
  /** apikey query parameter and access_token of joins; empty for the bare server. */
  token: string;
}

export type OnFrame = (text: string) => void;

/** Opens a socket; `onFrame` sees every text frame after the join reply. */
export function connect(target: Target, onFrame: OnFrame = () => {}): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${target.port}/socket/websocket?apikey=${target.token}&vsn=2.0.0`, { headers: { host: target.host } });
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      ws.off('error', reject);
      ws.on('error', () => {}); // a socket the server drops mid-run (a slow reader) is counted, not thrown
      ws.on('message', (data) => onFrame(data.toString()));
      resolve(ws);
    });
  });
}

/** Joins `topic` with `config` and resolves on the ok reply; rejects on an error reply. */
export function join(ws: WebSocket, target: Target, topic: string, config: object = {}): Promise<void> {
  const ref = String(Math.random()).slice(2, 10);
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const text = data.toString();
      if (!text.startsWith(`["${ref}","${ref}"`)) return;
      ws.off('message', onMessage);
      if (text.includes('"status":"ok"')) resolve();
      else reject(new Error(`join ${topic}: ${text.slice(0, 300)}`));
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify([ref, ref, `realtime:${topic}`, 'phx_join', { config, access_token: target.token }]));
  });
}

/** `n` sockets joined to `topic`, opened 100 at a time. */
export async function subscribers(target: Target, topic: string, n: number, onFrame: OnFrame, config: object = {}): Promise<WebSocket[]> {
  const list: WebSocket[] = [];
  for (let i = 0; i < n; i += 100) {
    list.push(...(await Promise.all(Array.from({ length: Math.min(100, n - i) }, async () => {
      const ws = await connect(target, onFrame);
      await join(ws, target, topic, config);
      return ws;
    }))));
  }
  return list;
}

/** Sends a client broadcast on `topic` (joined before). */
export function broadcast(ws: WebSocket, topic: string, event: string, payload: object): void {
  ws.send(JSON.stringify([null, null, `realtime:${topic}`, 'broadcast', { type: 'broadcast', event, payload }]));
}

export function closeAll(sockets: WebSocket[]): void {
  for (const ws of sockets) ws.terminate();
}
