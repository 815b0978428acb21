import { beforeEach, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { MemorySocket, MemoryTenantDatabase, tenant, testGateway } from '../../../test/support.ts';
import { createLogger } from '@realtime/log';
import { NODE_RENEW_MS } from '@realtime/presence';
import { MAX_BUFFERED_DIFFS, PresenceHub } from './hub.ts';

const secret = tenant().jwtSecret!;
let t: ReturnType<typeof testGateway>;
let db: MemoryTenantDatabase;

beforeEach(() => {
  db = new MemoryTenantDatabase();
  t = testGateway(undefined, db);
  t.tenants.put(tenant({ limits: { ...tenant().limits, clientPresenceMaxCalls: 5, clientPresenceWindowMs: 30_000, maxPayloadSizeInKb: 1 } }));
});

async function client(claims: Record<string, unknown> = { role: 'anon' }) {
  const exp = Math.floor(t.clock.now() / 1000) + 3600;
  const token = await new SignJWT({ ...claims, exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
  const socket = new MemorySocket(`s${Math.random()}`);
  const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { ...claims, exp });
  const send = async (frame: unknown[]) => {
    await t.gateway.receive(conn, JSON.stringify(frame));
    for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
  };
  const join = (topic = 'room', presence: Record<string, unknown> = { enabled: true }, extra: Record<string, unknown> = {}) =>
    send(['1', '1', `realtime:${topic}`, 'phx_join', { config: { presence, ...extra }, access_token: token }]);
  const track = (payload: unknown, ref = '5', topic = 'room') => send(['1', ref, `realtime:${topic}`, 'presence', { type: 'presence', event: 'track', payload }]);
  const untrack = (topic = 'room') => send(['1', '6', `realtime:${topic}`, 'presence', { type: 'presence', event: 'untrack' }]);
  const frames = (event: string) => (socket.json() as unknown[][]).filter((f) => f[3] === event);
  return { socket, send, join, track, untrack, frames, conn };
}

const metasOf = (x: unknown, key: string) => (x as Record<string, { metas: Array<Record<string, unknown>> }>)[key]?.metas ?? [];

describe('presence', () => {
  it('sends presence_state after the join reply, then diffs of tracks to every subscriber', async () => {
    const a = await client();
    const b = await client();
    await a.join('room', { enabled: true, key: 'alice' });
    await b.join('room', { enabled: true, key: 'bob' });
    expect((a.socket.json() as unknown[][]).map((f) => f[3])).toEqual(['phx_reply', 'presence_state']);
    expect(a.frames('presence_state')[0]).toEqual(['1', null, 'realtime:room', 'presence_state', {}]);
    await a.track({ status: 'online' });
    expect(a.socket.json().find((f) => (f as unknown[])[1] === '5')).toEqual(['1', '5', 'realtime:room', 'phx_reply', { status: 'ok', response: {} }]);
    for (const c of [a, b]) {
      const [diff] = c.frames('presence_diff');
      expect(diff![0]).toBeNull();
      const { joins, leaves } = diff![4] as { joins: unknown; leaves: unknown };
      expect(metasOf(joins, 'alice')).toEqual([{ status: 'online', phx_ref: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/) }]);
      expect(leaves).toEqual({});
    }
  });

  it('gives a late joiner the current state, and one diff for an update', async () => {
    const a = await client();
    await a.join('room', { enabled: true, key: 'alice' });
    await a.track({ v: 1 });
    const late = await client();
    await late.join('room', { enabled: true });
    const state = late.frames('presence_state')[0]![4];
    const [first] = metasOf(state, 'alice');
    expect(first).toMatchObject({ v: 1 });
    await a.track({ v: 2 });
    const diffs = late.frames('presence_diff');
    expect(diffs).toHaveLength(1);
    const { joins, leaves } = diffs[0]![4] as { joins: unknown; leaves: unknown };
    expect(metasOf(joins, 'alice')).toEqual([{ v: 2, phx_ref: expect.any(String), phx_ref_prev: first!.phx_ref }]);
    expect(metasOf(leaves, 'alice')).toEqual([first]);
  });

  it('ignores an identical re-track, and sends leaves on untrack and on leaving the channel', async () => {
    const a = await client();
    const b = await client();
    await a.join('room', { enabled: true, key: 'alice' });
    await b.join('room', { enabled: true, key: 'bob' });
    await a.track({ v: 1 });
    await a.track({ v: 1 }, '7');
    expect(b.frames('presence_diff')).toHaveLength(1);
    await a.untrack();
    await b.track({ v: 9 });
    await b.send(['1', '8', 'realtime:room', 'phx_leave', {}]);
    const diffs = a.frames('presence_diff').map((f) => f[4] as { joins: object; leaves: object });
    expect(diffs.map((d) => [Object.keys(d.joins), Object.keys(d.leaves)])).toEqual([[['alice'], []], [[], ['alice']], [['bob'], []], [[], ['bob']]]);
  });

  it('uses a fresh UUIDv1 per join when none is configured, as the reference does (docs/PROTOCOL.md §5)', async () => {
    const a = await client();
    await a.join('room', { enabled: true });
    await a.track({});
    const key = Object.keys((a.frames('presence_diff')[0]![4] as { joins: object }).joins)[0];
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await a.join('room', { enabled: true });
    await a.track({});
    const next = Object.keys((a.frames('presence_diff').at(-1)![4] as { joins: object }).joins)[0];
    expect(next).toMatch(/-1[0-9a-f]{3}-/);
    expect(next).not.toBe(key);
  });

  it('drops diffs already contained in the snapshot or seen twice', async () => {
    const a = await client();
    await a.join('room', { enabled: true });
    const diff = { tenant: 'acme', topic: 'room', private: false, joins_json: '{"x":{"metas":[{"phx_ref":"r"}]}}', leaves_json: '{}', at: 0 };
    t.gateway.presence.receive({ ...diff, version: t.presence.version, epoch: t.presence.epoch }); // the snapshot had it
    t.gateway.presence.receive({ ...diff, version: t.presence.version + 1, epoch: t.presence.epoch });
    t.gateway.presence.receive({ ...diff, version: t.presence.version + 1, epoch: t.presence.epoch }); // duplicate
    expect(a.frames('presence_diff')).toHaveLength(1);
    t.presence.epoch = 'e2';
    t.gateway.presence.receive({ ...diff, version: 1, epoch: 'e2' }); // Redis lost its data: a new count
    await new Promise((r) => setTimeout(r, 0));
    expect(a.frames('presence_diff')).toHaveLength(2);
  });

  it('after Redis lost its data, sends the new snapshot as presence_state: no ghost of a meta whose leave was lost', async () => {
    const a = await client();
    const b = await client();
    await a.join('room', { enabled: true, key: 'alice' });
    await b.join('room', { enabled: true, key: 'bob' });
    await a.track({ v: 1 });
    await b.track({ v: 1 });
    // Redis comes back empty; bob's update is applied to it as a join, and alice's leave is lost
    t.presence.channels.clear();
    t.presence.epoch = 'e2';
    await b.track({ v: 2 }, '7');
    await new Promise((r) => setTimeout(r, 0));
    const states = a.frames('presence_state');
    expect(states).toHaveLength(2);
    expect(Object.keys(states[1]![4] as object)).toEqual(['bob']);
    expect(metasOf(states[1]![4], 'bob')).toEqual([expect.objectContaining({ v: 2 })]);
  });

  it('a channel whose snapshot failed at join gets it as soon as Redis answers again', async () => {
    const a = await client();
    await a.join('room', { enabled: true, key: 'alice' });
    await a.track({ v: 1 });
    const snapshot = t.presence.snapshot.bind(t.presence);
    t.presence.snapshot = async () => { throw new Error('redis down'); };
    const late = await client();
    await late.join('room', { enabled: true });
    expect(late.frames('presence_state')).toEqual([['1', null, 'realtime:room', 'presence_state', {}]]);
    t.presence.snapshot = snapshot;
    t.gateway.presence.start();
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    expect(metasOf(late.frames('presence_state')[1]![4], 'alice')).toEqual([expect.objectContaining({ v: 1 })]);
    t.gateway.presence.stop();
  });

  it('shuts the channel down on the 6th presence message in the window', async () => {
    const a = await client();
    await a.join('room', { enabled: true });
    for (let i = 0; i < 5; i++) await a.track({ i }, `r${i}`);
    await a.track({ i: 5 }, 'r5');
    expect(a.socket.json().slice(-2)).toEqual([
      ['1', null, 'realtime:room', 'system', { extension: 'system', status: 'error', message: 'Client presence rate limit exceeded', channel: 'room' }],
      ['1', '1', 'realtime:room', 'phx_close', {}],
    ]);
  });

  it('shuts the channel down for an oversized track; refuses non-map payloads and unknown events', async () => {
    const a = await client();
    await a.join('room', { enabled: true });
    await a.send(['1', '3', 'realtime:room', 'presence', { type: 'presence', event: 'jump' }]);
    await a.track('not a map', '4');
    expect(a.socket.json().slice(-2)).toEqual([
      ['1', '3', 'realtime:room', 'phx_reply', { status: 'error', response: {} }],
      ['1', '4', 'realtime:room', 'phx_reply', { status: 'error', response: { reason: 'Presence track payload must be a map' } }],
    ]);
    await a.track({ big: 'x'.repeat(2000) }, '5');
    expect((a.socket.json().at(-2) as unknown[])[4]).toMatchObject({ message: 'Track message size exceeded' });
  });

  it('enables presence on the first track when the join did not', async () => {
    const a = await client();
    await a.join('room', { enabled: false });
    expect(a.frames('presence_state')).toHaveLength(0);
    await a.track({ v: 1 });
    expect(a.frames('presence_state')).toHaveLength(1);
  });

  it('on private channels needs presence read for state and diffs, and presence write to track', async () => {
    db.readPolicy = (_topic, who, ext) => ext === 'broadcast' || who.claims.sub === 'reader';
    db.writePolicy = (_topic, who, ext) => ext === 'presence' && who.claims.sub === 'reader';
    const reader = await client({ role: 'authenticated', sub: 'reader' });
    const other = await client({ role: 'authenticated', sub: 'other' });
    await reader.join('room', { enabled: true }, { private: true });
    await other.join('room', { enabled: true }, { private: true });
    await other.track({ v: 1 }, '9');
    expect(other.socket.json().at(-1)).toEqual(['1', '9', 'realtime:room', 'phx_reply', { status: 'error', response: {} }]);
    await reader.track({ v: 2 });
    expect(reader.frames('presence_state')).toHaveLength(1);
    expect(reader.frames('presence_diff')).toHaveLength(1);
    expect(other.frames('presence_state')).toHaveLength(0);
    expect(other.frames('presence_diff')).toHaveLength(0);
  });

  it('re-asserts tracked presences when the Redis epoch changes', async () => {
    t.gateway.presence.start(); // sees epoch e1 while tracking nothing
    await new Promise((r) => setTimeout(r, 0));
    const a = await client();
    await a.join('room', { enabled: true });
    await a.track({ v: 1 });
    t.presence.epoch = 'e2';
    t.clock.advance(2000);
    await new Promise((r) => setTimeout(r, 0));
    expect(t.presence.commands.map((c) => c.op)).toEqual(['TRACK', 'REASSERT']);
    t.gateway.presence.stop();
  });

  it('re-asserts tracked presences when its liveness key had lapsed (same epoch), and once more on the next beat', async () => {
    t.gateway.presence.start();
    await new Promise((r) => setTimeout(r, 0));
    const a = await client();
    await a.join('room', { enabled: true });
    await a.track({ v: 1 });
    const beat = async () => {
      t.clock.advance(NODE_RENEW_MS);
      await new Promise((r) => setTimeout(r, 0));
    };
    await beat(); // key renewed as usual: nothing to redo
    expect(t.presence.commands.map((c) => c.op)).toEqual(['TRACK']);
    t.presence.lapsed = true; // e.g. a Redis Cluster failover lost the key's last write
    await beat();
    expect(t.presence.commands.map((c) => c.op)).toEqual(['TRACK', 'REASSERT']);
    await beat(); // a NODE_DOWN sent before the renewal may land after the first re-assert
    await beat();
    expect(t.presence.commands.map((c) => c.op)).toEqual(['TRACK', 'REASSERT', 'REASSERT']);
    t.gateway.presence.stop();
  });

  it('a new node\'s first renewal, which finds no liveness key, re-asserts for the new epoch only', async () => {
    const a = await client();
    await a.join('room', { enabled: true });
    await a.track({ v: 1 });
    t.presence.lapsed = true;
    t.gateway.presence.start();
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 0));
      t.clock.advance(NODE_RENEW_MS);
    }
    expect(t.presence.commands.map((c) => c.op)).toEqual(['TRACK', 'REASSERT']); // not a second one for the missing key
    t.gateway.presence.stop();
  });

  it('keeps at most MAX_BUFFERED_DIFFS diffs while a snapshot is slow, then reads the snapshot again', async () => {
    const snapshot = t.presence.snapshot.bind(t.presence);
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    let reads = 0;
    t.presence.snapshot = async (c) => { if (reads++ === 0) await slow; return snapshot(c); };
    const a = await client();
    await a.join('room', { enabled: true });
    const diff = { tenant: 'acme', topic: 'room', private: false, joins_json: '{}', leaves_json: '{}', at: 0, epoch: t.presence.epoch };
    for (let v = 1; v <= MAX_BUFFERED_DIFFS + 500; v++) t.gateway.presence.receive({ ...diff, version: t.presence.version + v });
    const state = [...a.conn.channels.values()][0]!.presence!;
    expect(state.buffer).toHaveLength(MAX_BUFFERED_DIFFS);
    release();
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    expect(reads).toBe(2);
    expect(a.frames('presence_state')).toHaveLength(2);
    expect(a.frames('presence_diff')).toHaveLength(0);
    expect(state.buffer).toHaveLength(0);
  });

  it('drops a diff whose JSON does not parse, and goes on with the next', async () => {
    const a = await client();
    await a.join('room', { enabled: true });
    const diff = { tenant: 'acme', topic: 'room', private: false, leaves_json: '{}', at: 0, epoch: t.presence.epoch };
    expect(() => t.gateway.presence.receive({ ...diff, joins_json: '{"x":', version: t.presence.version + 1 })).not.toThrow();
    t.gateway.presence.receive({ ...diff, joins_json: '{}', version: t.presence.version + 2 });
    expect(a.frames('presence_diff')).toHaveLength(1);
  });

  it('a resync whose snapshot fails sends no empty presence_state, delivers the diff and tries again on the next heartbeat', async () => {
    const a = await client();
    const b = await client();
    await a.join('room', { enabled: true, key: 'alice' });
    await b.join('room', { enabled: true, key: 'bob' });
    await b.track({ v: 1 });
    const snapshot = t.presence.snapshot.bind(t.presence);
    t.presence.snapshot = async () => { throw new Error('redis unreachable from this gateway'); };
    t.presence.epoch = 'e2';
    await b.track({ v: 2 }, '7');
    await new Promise((r) => setTimeout(r, 0));
    expect(a.frames('presence_state')).toHaveLength(1);
    expect(a.frames('presence_diff')).toHaveLength(2);
    t.presence.snapshot = snapshot;
    t.gateway.presence.start();
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    expect(a.frames('presence_state')).toHaveLength(2);
    expect(metasOf(a.frames('presence_state')[1]![4], 'bob')).toEqual([expect.objectContaining({ v: 2 })]);
    t.gateway.presence.stop();
  });

  it('after Redis lost its data, re-reads at most resyncsPerBeat snapshots per heartbeat', async () => {
    const hub = new PresenceHub({ node: 'node-a', backend: t.presence, clock: t.clock, log: createLogger({ service: 'test', level: 'silent' }), resyncsPerBeat: 2 });
    const clients = await Promise.all([0, 1, 2].map(() => client()));
    for (const [i, c] of clients.entries()) await c.join(`r${i}`, { enabled: false });
    const channels = clients.map((c) => [...c.conn.channels.values()][0]!);
    for (const ch of channels) await hub.enable(ch);
    const states = () => clients.reduce((n, c) => n + c.frames('presence_state').length, 0);
    expect(states()).toBe(3);
    t.presence.epoch = 'e2';
    hub.start();
    for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
    expect(states()).toBe(5);
    t.clock.advance(NODE_RENEW_MS);
    for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
    expect(states()).toBe(6);
    hub.stop();
  });
});
