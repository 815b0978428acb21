// The WebSocket transport over real sockets, the core's ports faked (no Kafka): a client that
// stops reading is cut off once the server-side buffer passes GATEWAY_MAX_BUFFERED_BYTES, its TCP
// socket destroyed, while a reading client on the same channel gets every broadcast; refused
// upgrades wait out the backoff only up to GATEWAY_MAX_DELAYED_REFUSALS at once; a socket silent
// for GATEWAY_IDLE_TIMEOUT_MS is closed by the idle sweep, one that heartbeats is not.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, type WebSocketServer } from 'ws';
import { SignJWT } from 'jose';
import { systemClock } from '../ports.ts';
import { tenant, testGateway, type ManualClock } from '../../test/support.ts';
import { defaultSocketLimits } from '../core/channels/socket-limits.ts';
import { channelKey } from '../core/channels/registry.ts';
import { attachWebSocket, type WsOptions } from './ws.ts';

const BOUND = 256 * 1024;
const FRAME = 64 * 1024;

let server: Server | undefined;
let wss: WebSocketServer | undefined;
afterEach(async () => {
  wss?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

async function serve(gateway: ReturnType<typeof testGateway>['gateway'], options: Partial<WsOptions> = {}): Promise<number> {
  server = createServer();
  wss = attachWebSocket(server, gateway, { connectErrorBackoffMs: 0, idleTimeoutMs: 60_000, maxFrameBytes: 1_000_000, maxDelayedRefusals: 1000, maxConnections: 1000, ...options });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function connect(port: number, token: string): Promise<{ ws: WebSocket; frames: unknown[] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0&apikey=${token}`, { headers: { host: `acme.localhost:${port}` } });
  const frames: unknown[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(JSON.stringify(['1', '1', 'realtime:busy', 'phx_join', { config: {} }]));
  await expect.poll(() => frames.length).toBe(1);
  return { ws, frames };
}

describe('WebSocket transport: outgoing bound', () => {
  it('cuts off a client that stops reading; a reading client still gets everything', async () => {
    const { gateway, tenants } = testGateway(systemClock as ManualClock); // real timers: ws and jose run on them
    gateway.deps.socketLimits = { ...defaultSocketLimits, maxBufferedBytes: BOUND };
    tenants.put(tenant());
    const port = await serve(gateway);
    const token = await new SignJWT({ role: 'anon' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(tenant().jwtSecret!));

    const reader = await connect(port, token);
    const stuck = await connect(port, token);
    stuck.ws.pause(); // stops reading: the kernel buffers fill, then the server's
    const payload = new TextEncoder().encode(JSON.stringify({ fill: 'x'.repeat(FRAME) }));
    const message = { id: 'x', tenant: 'acme', topic: 'busy', private: false, event: 'e', kind: 'json' as const, encoding: 'json' as const, payload, metaId: null, sentAt: 0, originNode: 'other' };
    let sent = 0;
    let maxBuffered = 0;
    // 2000 × 64 KB = 128 MB, far past what loopback socket buffers absorb.
    while (sent < 2000 && gateway.registry.subscribers(channelKey('acme', false, 'busy'))!.size === 2) {
      gateway.receiveRemote(message);
      sent++;
      for (const client of wss!.clients) maxBuffered = Math.max(maxBuffered, client.bufferedAmount);
      await new Promise((r) => setImmediate(r));
    }
    expect(gateway.registry.subscribers(channelKey('acme', false, 'busy'))!.size).toBe(1);
    expect(maxBuffered).toBeLessThanOrEqual(BOUND + 2 * FRAME); // the bound plus the one frame let through and the system message
    await expect.poll(() => wss!.clients.size, { timeout: 5000 }).toBe(1); // destroyed after the close grace
    await expect.poll(() => reader.frames.length, { timeout: 10_000 }).toBe(1 + sent);
    reader.ws.close();
  });

  it('answers 503 past maxConnections and lets a socket in again once one closes', async () => {
    const { gateway, tenants } = testGateway(systemClock as ManualClock);
    tenants.put(tenant());
    const port = await serve(gateway, { maxConnections: 1 });
    const token = await new SignJWT({ role: 'anon' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(tenant().jwtSecret!));
    const first = await connect(port, token);
    await expect(connect(port, token)).rejects.toThrow('Unexpected server response: 503');
    first.ws.close();
    await expect.poll(() => wss!.clients.size).toBe(0);
    (await connect(port, token)).ws.close();
  });

  it('holds at most maxDelayedRefusals refused upgrades for the backoff; the others are answered at once', async () => {
    const { gateway, tenants } = testGateway(systemClock as ManualClock);
    tenants.put(tenant());
    const port = await serve(gateway, { connectErrorBackoffMs: 3000, maxDelayedRefusals: 2 });
    const refused = () => new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0&apikey=not-a-jwt`, { headers: { host: `acme.localhost:${port}` } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
      ws.on('error', () => {});
    });
    const held = [refused(), refused()];
    await new Promise((r) => setTimeout(r, 200)); // both are waiting out the backoff
    // The third, refused later, is answered first: it does not wait out the backoff.
    const third = refused();
    expect(await Promise.race([third.then((status) => `third ${status}`), ...held.map((p) => p.then(() => 'held'))])).toBe('third 401');
    expect(await Promise.all(held)).toEqual([401, 401]);
  });
});

describe('WebSocket transport: idle timeout', () => {
  it('closes a socket that sends nothing for idleTimeoutMs and keeps one that heartbeats', async () => {
    const { gateway, tenants } = testGateway(systemClock as ManualClock);
    tenants.put(tenant());
    const port = await serve(gateway, { idleTimeoutMs: 1000 }); // swept every 100 ms; beats every 100 ms leave slack for a loaded machine
    const token = await new SignJWT({ role: 'anon' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(tenant().jwtSecret!));
    const silent = await connect(port, token);
    const chatty = await connect(port, token);
    const closed: Record<string, number> = {};
    silent.ws.on('close', (code) => (closed.silent = code));
    chatty.ws.on('close', (code) => (closed.chatty = code));
    const beat = setInterval(() => chatty.ws.send(JSON.stringify([null, 'hb', 'phoenix', 'heartbeat', {}])), 100);
    try {
      await expect.poll(() => closed.silent, { timeout: 5000 }).toBe(1000);
      await new Promise((r) => setTimeout(r, 2000)); // two idle periods more: the heartbeating one stays
      expect(closed.chatty).toBeUndefined();
      expect(chatty.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      clearInterval(beat);
      chatty.ws.close();
    }
  });
});
