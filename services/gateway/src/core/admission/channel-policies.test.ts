import { beforeEach, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import { MemorySocket, MemoryTenantDatabase, tenant, testGateway } from '../../../test/support.ts';

const secret = tenant().jwtSecret!;
let db: MemoryTenantDatabase;
let t: ReturnType<typeof testGateway>;

beforeEach(() => {
  db = new MemoryTenantDatabase();
  // Policies: `room-<sub>` and `shared` readable by their users; only writers may send to `shared`.
  db.readPolicy = (topic, who) => topic === 'shared' || topic === `room-${who.claims.sub}`;
  db.writePolicy = (topic, who) => topic === 'shared' && who.claims.writer === true;
  t = testGateway(undefined, db);
  t.tenants.put(tenant());
});

const sign = (claims: Record<string, unknown>) =>
  new SignJWT({ role: 'authenticated', ...claims, exp: Math.floor(t.clock.now() / 1000) + 3600 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));

async function client(claims: Record<string, unknown>, headers?: Record<string, string>) {
  const token = await sign(claims);
  const socket = new MemorySocket(`s${Math.random()}`);
  const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { role: 'authenticated', ...claims }, headers);
  const send = async (frame: unknown[]) => {
    await t.gateway.receive(conn, JSON.stringify(frame));
    await new Promise((r) => setTimeout(r, 0));
  };
  const join = (topic: string, config: Record<string, unknown> = {}) => send(['1', '1', `realtime:${topic}`, 'phx_join', { config: { private: true, ...config }, access_token: token }]);
  const last = () => socket.json().at(-1) as unknown[];
  return { socket, send, join, last, token };
}

describe('private channels', () => {
  it('joins when the read policy allows, refuses with Unauthorized otherwise', async () => {
    const alice = await client({ sub: 'alice' });
    await alice.join('room-alice');
    expect(alice.last()[4]).toEqual({ status: 'ok', response: { postgres_changes: [] } });
    await alice.join('room-bob');
    expect(alice.last()[4]).toEqual({ status: 'error', response: { reason: 'Unauthorized: You do not have permissions to read from this Channel topic: room-bob' } });
  });

  it('refuses with the bare database message when the policies cannot be evaluated', async () => {
    db.down = true;
    const alice = await client({ sub: 'alice' });
    await alice.join('shared');
    expect(alice.last()[4]).toEqual({ status: 'error', response: { reason: 'Realtime was unable to connect to the project database' } });
  });

  it('checks write once at the first send, drops denied messages, and keeps public and private apart', async () => {
    const writer = await client({ sub: 'w', writer: true });
    const reader = await client({ sub: 'r' });
    const publicPeer = await client({ sub: 'p' });
    await writer.join('shared', { broadcast: { ack: true } });
    await reader.join('shared', { broadcast: { ack: true } });
    await publicPeer.send(['1', '1', 'realtime:shared', 'phx_join', { config: { private: false }, access_token: publicPeer.token }]);
    const checks = db.policyChecks;
    const push = (ref: string) => ['1', ref, 'realtime:shared', 'broadcast', { type: 'broadcast', event: 'e', payload: { ref } }];
    await writer.send(push('2'));
    await writer.send(push('3'));
    expect(db.policyChecks - checks).toBe(1); // cached after the first send
    await reader.send(push('4'));
    expect(reader.last()).toEqual(['1', '4', 'realtime:shared', 'phx_reply', { status: 'error', response: { error: 'unauthorized' } }]);
    const delivered = reader.socket.json().filter((f) => (f as unknown[])[3] === 'broadcast').map((f) => ((f as unknown[])[4] as { payload: { ref: string } }).payload.ref);
    expect(delivered).toEqual(['2', '3']);
    expect(writer.socket.json().filter((f) => (f as unknown[])[3] === 'broadcast')).toEqual([]); // self: false
    expect(publicPeer.socket.json().filter((f) => (f as unknown[])[3] === 'broadcast')).toEqual([]);
  });

  it('reads again on access_token and shuts the channel down when read is revoked', async () => {
    const alice = await client({ sub: 'alice' });
    await alice.join('room-alice');
    const mallory = await sign({ sub: 'mallory' });
    await alice.send(['1', '5', 'realtime:room-alice', 'access_token', { access_token: mallory }]);
    expect(alice.socket.json().slice(-2)).toEqual([
      ['1', null, 'realtime:room-alice', 'system', { extension: 'system', status: 'error', message: 'You no longer have permission to read from this Channel topic: room-alice', channel: 'room-alice' }],
      ['1', '1', 'realtime:room-alice', 'phx_close', {}],
    ]);
  });

  it('answers a policy that raises like a denied read, and a missing partition with MissingPartition', async () => {
    db.readPolicy = (topic) => {
      if (topic === 'broken') throw new RealtimeError(ErrorCodes.RlsPolicyError, 'policy lookup failed');
      if (topic === 'unpartitioned') throw new RealtimeError(ErrorCodes.MissingPartition);
      return true;
    };
    const alice = await client({ sub: 'alice' });
    await alice.join('broken');
    expect(alice.last()[4]).toEqual({ status: 'error', response: { reason: 'Unauthorized: You do not have permissions to read from this Channel topic: broken' } });
    await alice.join('unpartitioned');
    expect(alice.last()[4]).toEqual({ status: 'error', response: { reason: 'MissingPartition: Realtime was unable to find the expected messages partition' } });
  });

  it('shuts a channel down with the reference texts when the read fails on access_token', async () => {
    const alice = await client({ sub: 'alice' });
    await alice.join('room-alice');
    await alice.join('shared');
    db.readPolicy = (topic) => {
      if (topic === 'shared') throw new RealtimeError(ErrorCodes.MissingPartition);
      throw new RealtimeError(ErrorCodes.RlsPolicyError, 'policy lookup failed');
    };
    const next = await sign({ sub: 'alice', n: 2 });
    await alice.send(['1', '5', 'realtime:room-alice', 'access_token', { access_token: next }]);
    await alice.send(['1', '6', 'realtime:shared', 'access_token', { access_token: next }]);
    const system = alice.socket.json().filter((f) => (f as unknown[])[3] === 'system').map((f) => ((f as unknown[])[4] as { message: string }).message);
    expect(system).toEqual(['You do not have permissions to read from this Channel topic: room-alice', 'Realtime was unable to connect to the project database']);
  });

  it('replays stored messages after the reply, marks them, and skips their live copies', async () => {
    db.stored.set('shared', [
      { id: 'm1', event: 'old', payloadJson: '{"n":1}', binary: null, at: 1000 },
      { id: 'm2', event: 'new', payloadJson: '{"n":2}', binary: null, at: 5000 },
      { id: 'm3', event: 'bin', payloadJson: null, binary: new Uint8Array([1, 2]), at: 6000 },
    ]);
    const alice = await client({ sub: 'alice' });
    await alice.join('shared', { broadcast: { replay: { since: 2000, limit: 5 } } });
    const frames = alice.socket.json() as unknown[][];
    expect(frames[0]![3]).toBe('phx_reply');
    expect(frames[1]).toEqual([null, null, 'realtime:shared', 'broadcast', { type: 'broadcast', event: 'new', payload: { n: 2 }, meta: { replayed: true, id: 'm2' } }]);
    expect(alice.socket.binary()).toHaveLength(1); // the binary row, as a kind-4 frame
    t.gateway.receiveRemote({ id: 'x', tenant: 'acme', topic: 'shared', private: true, event: 'new', kind: 'user', encoding: 'json', payload: new TextEncoder().encode('{"n":2}'), metaId: 'm2', originNode: 'other', sentAt: 0 });
    expect(alice.socket.json()).toHaveLength(2);
  });

  it('refuses replay on a public channel', async () => {
    const alice = await client({ sub: 'alice' });
    await alice.join('shared', { private: false, broadcast: { replay: { since: 0 } } });
    expect(alice.last()[4]).toEqual({ status: 'error', response: { reason: 'UnableToReplayMessages: Replay is not allowed for public channels' } });
  });

  it("hands the socket's x- headers to the read and the write check", async () => {
    db.readPolicy = (_topic, who) => who.headers?.['x-app-id'] === 'web';
    db.writePolicy = (_topic, who) => who.headers?.['x-app-id'] === 'web';
    const web = await client({ sub: 'w' }, { 'x-app-id': 'web' });
    const bare = await client({ sub: 'b' });
    await web.join('any', { broadcast: { ack: true } });
    expect(web.last()[4]).toEqual({ status: 'ok', response: { postgres_changes: [] } });
    await web.send(['1', '2', 'realtime:any', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }]);
    expect(web.last()).toEqual(['1', '2', 'realtime:any', 'phx_reply', { status: 'ok', response: {} }]);
    await bare.join('any');
    expect(bare.last()[4]).toEqual({ status: 'error', response: { reason: 'Unauthorized: You do not have permissions to read from this Channel topic: any' } });
  });
});
