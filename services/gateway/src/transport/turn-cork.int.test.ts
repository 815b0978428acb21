// Turn corking over real loopback sockets: a burst for one socket in one event-loop turn leaves
// in at most two writes and arrives whole and in order; a lone message is written at once; ws's
// own sends and a close in the middle of a burst keep their place.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, WebSocket } from 'ws';
import type { AddressInfo, Socket } from 'node:net';
import { waitFor } from '@realtime/testing';
import { sendPrebuilt } from './prebuilt-frame.ts';
import { TurnCork } from './turn-cork.ts';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    await new Promise((r) => s.close(r));
  }
});

/** A server socket, what its client received, and how many writes its net.Socket made. */
async function pair() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  servers.push(wss);
  await new Promise((r) => wss.once('listening', r));
  const accepted = new Promise<WebSocket>((r) => wss.once('connection', r));
  const received: string[] = [];
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  client.on('message', (data) => received.push(data.toString()));
  let closed: number | null = null;
  client.on('close', (code) => (closed = code));
  await new Promise((r) => client.once('open', r));
  const server = await accepted;
  const socket = (server as unknown as { _socket: Socket & { _writeGeneric: (...a: unknown[]) => unknown } })._socket;
  const writes = { count: 0 };
  const original = socket._writeGeneric.bind(socket);
  socket._writeGeneric = (...args: unknown[]) => {
    writes.count++;
    return original(...args);
  };
  const cork = new TurnCork();
  const send = (text: string) => {
    cork.beforeWrite(socket);
    sendPrebuilt(server, Buffer.from(text), false);
  };
  return { server, socket, send, received, writes, closed: () => closed };
}

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('TurnCork', () => {
  it('sends a burst of one turn in at most two writes, whole and in order', async () => {
    const { send, received, writes } = await pair();
    const burst = Array.from({ length: 50 }, (_, i) => `m${i}`);
    for (const text of burst) send(text);
    await waitFor(() => expect(received).toHaveLength(50));
    expect(received).toEqual(burst);
    expect(writes.count).toBeLessThanOrEqual(2);
  });

  it('writes a lone message of a turn at once, and each turn on its own', async () => {
    const { socket, send, received, writes } = await pair();
    for (let i = 0; i < 5; i++) {
      send(`t${i}`);
      expect(socket.writableCorked).toBe(0); // not held for the turn's end
      await nextTurn();
    }
    await waitFor(() => expect(received).toEqual(['t0', 't1', 't2', 't3', 't4']));
    expect(writes.count).toBe(5);
  });

  it('keeps ws.send and a close in their place within a corked burst', async () => {
    const { server, send, received, closed } = await pair();
    send('a');
    send('b'); // corks
    server.send('c');
    send('d');
    server.close(1000, 'bye'); // the close frame follows what was corked before it
    send('late'); // after close: ws refuses it, nothing is written
    await waitFor(() => expect(closed()).toBe(1000));
    expect(received).toEqual(['a', 'b', 'c', 'd']);
  });
});
