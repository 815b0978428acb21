// Prebuilt frames over real loopback sockets: interleaved with ws's own sends they arrive whole and
// in order, also behind a message ws is still deflating, and a closing socket is left to ws.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@realtime/testing';
import { sendPrebuilt } from './prebuilt-frame.ts';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    await new Promise((r) => s.close(r));
  }
});

/** A server and `n` clients; resolves with the server-side sockets and what each client received. */
async function pair(n: number, perMessageDeflate = false) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate });
  servers.push(wss);
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as AddressInfo).port;
  const accepted: WebSocket[] = [];
  wss.on('connection', (s) => accepted.push(s));
  const received: Array<Array<{ text: string; binary: boolean }>> = [];
  for (let i = 0; i < n; i++) {
    const inbox: Array<{ text: string; binary: boolean }> = [];
    received.push(inbox);
    const c = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate });
    c.on('message', (data, binary) => inbox.push({ text: data.toString(), binary }));
    await new Promise((r) => c.once('open', r));
  }
  await waitFor(() => expect(accepted).toHaveLength(n));
  return { sockets: accepted, received };
}

describe('sendPrebuilt', () => {
  it('delivers the same frame to many sockets, in order with ws.send, text and binary', async () => {
    const { sockets, received } = await pair(3);
    const big = Buffer.from('b'.repeat(100_000));
    for (const s of sockets) s.send('first');
    for (const s of sockets) sendPrebuilt(s, Buffer.from('second'), false);
    for (const s of sockets) sendPrebuilt(s, big, false);
    for (const s of sockets) sendPrebuilt(s, Buffer.from([0x33]), true);
    for (const s of sockets) s.send('last');
    await waitFor(() => expect(received.every((r) => r.length === 5)).toBe(true));
    for (const inbox of received) {
      expect(inbox.map((m) => m.text.slice(0, 10))).toEqual(['first', 'second', 'b'.repeat(10), '3', 'last']);
      expect(inbox[2]!.text).toHaveLength(100_000);
      expect(inbox.map((m) => m.binary)).toEqual([false, false, false, true, false]);
    }
  });

  it('keeps order behind a message ws is still compressing (permessage-deflate)', async () => {
    const { sockets, received } = await pair(1, true);
    sockets[0]!.send('x'.repeat(200_000)); // deflated asynchronously: ws queues what follows
    sendPrebuilt(sockets[0]!, Buffer.from('after'), false);
    await waitFor(() => expect(received[0]).toHaveLength(2));
    expect(received[0]!.map((m) => m.text.length)).toEqual([200_000, 5]);
  });

  it('does not write to a socket that is closing', async () => {
    const { sockets, received } = await pair(1);
    sockets[0]!.close(1000, 'bye');
    expect(() => sendPrebuilt(sockets[0]!, Buffer.from('late'), false)).not.toThrow();
    await new Promise((r) => setTimeout(r, 200));
    expect(received[0]).toEqual([]);
  });
});
