import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import { MemorySocket, MemoryTenantDatabase, tenant, testGateway } from '../../../test/support.ts';
import { MemoryRecoveryLog } from '../../../test/recovery-log.ts';
import type { OutboundBroadcast } from '../base/broadcast-message.ts';

const secret = tenant().jwtSecret!;
let log: MemoryRecoveryLog;
let t: ReturnType<typeof testGateway>;

beforeEach(() => {
  log = new MemoryRecoveryLog();
  t = testGateway(undefined, null, undefined, { recoveryLog: log, recovery: { concurrency: 1, timeoutMs: 30_000, maxScanBytes: 1_000_000 } });
  t.tenants.put(tenant());
});

let n = 0;
function message(text: string, overrides: Partial<OutboundBroadcast> = {}): OutboundBroadcast {
  return {
    id: `m${n++}`, tenant: 'acme', topic: 'room', private: false, event: 'msg', kind: 'json', encoding: 'json',
    payload: new TextEncoder().encode(JSON.stringify({ text })), metaId: null, originNode: 'node-b', sentAt: 1000 + n, ...overrides,
  };
}

/** Appends to the fake topic, as Kafka would store it, and returns its offset. */
function stored(m: OutboundBroadcast): bigint {
  return log.append('broadcast', `${m.tenant}:${m.private ? 'p' : 'o'}:${m.topic}`, m, m.sentAt);
}

async function client(tenantId = 'acme') {
  const exp = Math.floor(t.clock.now() / 1000) + 3600;
  const token = await new SignJWT({ role: 'anon', exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
  const socket = new MemorySocket(`s${n++}`);
  const conn = t.gateway.attach(socket, tenantId, '2.0.0', token, { role: 'anon', exp });
  const join = (broadcast: Record<string, unknown>) =>
    t.gateway.receive(conn, JSON.stringify(['1', '1', 'realtime:room', 'phx_join', { config: { broadcast }, access_token: token }]));
  const frames = () => socket.json() as Array<[string | null, string | null, string, string, Record<string, unknown>]>;
  const texts = () => frames().filter((f) => f[3] === 'broadcast').map((f) => [(f[4].payload as { text: string }).text, (f[4].meta as { position?: string } | undefined)?.position ?? null]);
  const system = () => frames().filter((f) => f[3] === 'system' && f[4].extension === 'recovery').map((f) => f[4]);
  const send = (text: string) => t.gateway.receive(conn, JSON.stringify(['1', '9', 'realtime:room', 'broadcast', { type: 'broadcast', event: 'msg', payload: { text } }]));
  return { socket, conn, join, frames, texts, system, send };
}

describe('broadcast recovery by position', () => {
  it('sends what came after the position, in order with positions, then one complete result', async () => {
    for (const text of ['a', 'b', 'c', 'd']) stored(message(text));
    log.append('broadcast', 'acme:o:other', message('not mine', { topic: 'other' }));
    const c = await client();
    await c.join({ recover: { position: 'b0-1' } });
    await vi.waitFor(() => expect(c.system()).toHaveLength(1));
    expect(c.texts()).toEqual([['c', 'b0-2'], ['d', 'b0-3']]);
    expect(c.system()[0]).toEqual({ extension: 'recovery', status: 'ok', channel: 'room', stream: 'broadcast', result: 'complete', recovered: 2, position: 'b0-3', message: expect.any(String) });
    // the result comes after the recovered frames
    expect(c.frames().findIndex((f) => f[3] === 'system')).toBeGreaterThan(c.frames().findIndex((f) => f[4].event === 'msg'));
  });

  it('leaves out nothing and sends nothing twice while live traffic goes on during the read', async () => {
    const before = [stored(message('a')), stored(message('b'))];
    const c = await client();
    const open = log.hold();
    await c.join({ recover: { position: `b0-${before[0]}` } });
    // live while reading: b (offset 1, also in the history) again, then e (offset 2, after E = 2)
    const late = message('e');
    const lateAt = stored(late);
    t.bus.deliver(log.topics.broadcast[1]!.value as OutboundBroadcast, { partition: 0, offset: 1n });
    t.bus.deliver(late, { partition: 0, offset: lateAt });
    expect(c.texts()).toEqual([]); // queued
    open();
    await vi.waitFor(() => expect(c.system()).toHaveLength(1));
    expect(c.texts()).toEqual([['b', 'b0-1'], ['e', 'b0-2']]);
    expect(c.system()[0]).toMatchObject({ result: 'complete', recovered: 1, position: 'b0-1' });
    // a lagging live reader still delivers b: the seam drops it
    t.bus.deliver(log.topics.broadcast[1]!.value as OutboundBroadcast, { partition: 0, offset: 1n });
    expect(c.texts()).toHaveLength(2);
  });

  it('answers complete with nothing when the position is the last record, and position null for a first join', async () => {
    const at = stored(message('a'));
    const c = await client();
    await c.join({ recover: { position: `b0-${at}` } });
    await vi.waitFor(() => expect(c.system()).toHaveLength(1));
    expect(c.system()[0]).toMatchObject({ result: 'complete', recovered: 0, position: 'b0-0' });
    const d = await client();
    await d.join({ recover: {} });
    await vi.waitFor(() => expect(d.system()).toHaveLength(1));
    expect(d.system()[0]).toMatchObject({ status: 'ok', result: 'complete', recovered: 0, position: null });
  });

  it('recovers by time: records sent at or after since', async () => {
    for (const [text, at] of [['old', 100], ['new', 5000], ['newer', 6000]] as const) stored(message(text, { sentAt: at }));
    const c = await client();
    await c.join({ recover: { since: 5000 } });
    await vi.waitFor(() => expect(c.system()).toHaveLength(1));
    expect(c.texts().map((x) => x[0])).toEqual(['new', 'newer']);
  });
});

describe('private channels', () => {
  it('recover the private channel\'s broadcasts only, once the read policy let the join in', async () => {
    const db = new MemoryTenantDatabase();
    db.readPolicy = () => true;
    t = testGateway(undefined, db, undefined, { recoveryLog: log });
    t.tenants.put(tenant());
    stored(message('start', { private: true }));
    stored(message('public one'));
    stored(message('private one', { private: true }));
    const c = await client();
    await t.gateway.receive(c.conn, JSON.stringify(['1', '1', 'realtime:room', 'phx_join', { config: { private: true, broadcast: { recover: { position: 'b0-0' } } }, access_token: c.conn.token }]));
    await vi.waitFor(() => expect(c.system()).toHaveLength(1));
    expect(c.texts()).toEqual([['private one', 'b0-2']]);
    expect(db.policyChecks).toBeGreaterThan(0);
  });
});

describe('broadcast recovery errors: nothing recovered, live goes on', () => {
  it.each([
    ['garbage', { position: 'nonsense' }],
    ['a changes position', { position: 'c0-1' }],
    ['another partition', { position: 'b7-1' }],
    ['beyond the end', { position: 'b0-99' }],
    ['another channel\'s record', { position: 'b0-2' }],
    ['a wrong type', { position: 12 }],
    ['a string', 'yesterday'],
  ])('unknown_position for %s', async (_name, recover) => {
    stored(message('a'));
    stored(message('b'));
    log.append('broadcast', 'acme:o:other', message('x', { topic: 'other' }));
    const c = await client();
    await c.join({ recover });
    await vi.waitFor(() => expect(c.system()).toHaveLength(1));
    expect(c.frames()[0]![4]).toMatchObject({ status: 'ok' }); // the join itself succeeded
    expect(c.system()[0]).toMatchObject({ status: 'error', result: 'unknown_position', recovered: 0 });
    expect(c.texts()).toEqual([]);
    const live = message('live');
    t.bus.deliver(live, { partition: 0, offset: stored(live) });
    expect(c.texts()).toEqual([['live', 'b0-3']]);
  });

  it('expired when records after the position were deleted by retention', async () => {
    for (const text of ['a', 'b', 'c', 'd']) stored(message(text));
    log.low.broadcast = 2n;
    const old = await client();
    await old.join({ recover: { position: 'b0-0' } });
    const edge = await client();
    await edge.join({ recover: { position: 'b0-1' } }); // the next one (offset 2) is still there
    await vi.waitFor(() => expect([...old.system(), ...edge.system()]).toHaveLength(2));
    expect(old.system()[0]).toMatchObject({ result: 'expired', status: 'error', position: 'b0-0', recovered: 0 });
    expect(edge.system()[0]).toMatchObject({ result: 'complete', recovered: 2 });
  });

  it.each([[{ maxRecoveryEvents: 2 }], [{ maxRecoveryBytes: 30 }]])('too_large past the tenant cap %j, all or nothing', async (cap) => {
    t.tenants.put(tenant({ limits: { ...tenant().limits, ...cap } }));
    for (const text of ['a', 'b', 'c', 'd']) stored(message(text));
    const c = await client();
    await c.join({ recover: { position: 'b0-0' } });
    await vi.waitFor(() => expect(c.system()).toHaveLength(1));
    expect(c.system()[0]).toMatchObject({ result: 'too_large', recovered: 0 });
    expect(c.texts()).toEqual([]);
  });

  it('too_large when the live queue overflows while recovering', async () => {
    t.tenants.put(tenant({ limits: { ...tenant().limits, maxRecoveryEvents: 2 } }));
    stored(message('a'));
    const c = await client();
    const open = log.hold();
    await c.join({ recover: { position: 'b0-0' } });
    for (const text of ['x', 'y', 'z']) {
      const m = message(text);
      t.bus.deliver(m, { partition: 0, offset: stored(m) });
    }
    await vi.waitFor(() => expect(c.system()).toHaveLength(1));
    open();
    expect(c.system()[0]).toMatchObject({ result: 'too_large', recovered: 0 });
    const after = message('after');
    t.bus.deliver(after, { partition: 0, offset: stored(after) });
    expect(c.texts()).toEqual([['after', 'b0-4']]);
  });

  it('unavailable when Kafka cannot be read, when the gateway has no log, and when capacity is exhausted', async () => {
    stored(message('a'));
    log.down = true;
    const c = await client();
    await c.join({ recover: { position: 'b0-0' } });
    await vi.waitFor(() => expect(c.system()).toHaveLength(1));
    expect(c.system()[0]).toMatchObject({ result: 'unavailable', status: 'error', position: 'b0-0' });
    log.down = false;

    // concurrency 1 with 16 waiting, one tenant's share of the line 8 (semaphore.ts): the 10th recovery
    // of this tenant at once is refused, the others are served
    const open = log.hold();
    const clients = await Promise.all(Array.from({ length: 10 }, () => client()));
    for (const x of clients) await x.join({ recover: { position: 'b0-0' } });
    await vi.waitFor(() => expect(clients[9]!.system()).toHaveLength(1));
    expect(clients[9]!.system()[0]).toMatchObject({ result: 'unavailable' });
    // another tenant's recovery still gets its place in the line, and is served
    t.tenants.put(tenant({ externalId: 'other', id: '00000000-0000-0000-0000-000000000002', name: 'other' }));
    const theirs = stored(message('theirs', { tenant: 'other' }));
    stored(message('theirs too', { tenant: 'other' }));
    const other = await client('other');
    await other.join({ recover: { position: `b0-${theirs}` } });
    open();
    await vi.waitFor(() => expect(clients.slice(0, 9).every((x) => x.system().length === 1)).toBe(true));
    expect(clients.slice(0, 9).map((x) => x.system()[0]!.result)).toEqual(Array(9).fill('complete'));
    await vi.waitFor(() => expect(other.system()).toHaveLength(1));
    expect(other.system()[0]).toMatchObject({ result: 'complete', recovered: 1 });
    expect(other.texts()).toEqual([['theirs too', expect.stringMatching(/^b0-/)]]);

    const none = testGateway(undefined, null, undefined, {});
    none.tenants.put(tenant());
    t = none;
    const d = await client();
    await d.join({ recover: { position: 'b0-0' } });
    await vi.waitFor(() => expect(d.system()).toHaveLength(1));
    expect(d.system()[0]).toMatchObject({ result: 'unavailable' });
  });

  it('a client that leaves while recovering frees its slot at once: a join-and-leave loop holds nothing', async () => {
    stored(message('a'));
    stored(message('b'));
    const open = log.hold();
    for (let i = 0; i < 40; i++) {
      const hostile = await client();
      await hostile.join({ recover: { position: 'b0-0' } });
      await t.gateway.receive(hostile.conn, JSON.stringify(['1', '2', 'realtime:room', 'phx_leave', {}]));
    }
    const c = await client(); // concurrency 1: served although 40 recoveries were started before it
    await c.join({ recover: { position: 'b0-0' } });
    open();
    await vi.waitFor(() => expect(c.system()).toHaveLength(1));
    expect(c.system()[0]).toMatchObject({ result: 'complete', recovered: 1 });
  });

  it('clients that do not read hold a bounded amount of recovered frames: past it unavailable, the others served', async () => {
    t = testGateway(undefined, null, undefined, { recoveryLog: log, recovery: { concurrency: 4, timeoutMs: 30_000, maxScanBytes: 1_000_000, maxHeldBytes: 300 } });
    t.tenants.put(tenant());
    for (const text of ['start', 'a', 'b']) stored(message(text));
    const stalled = await client();
    const open = log.hold();
    await stalled.join({ recover: { position: 'b0-0' } });
    stalled.socket.bufferedAmount = 1e9; // from now on it reads nothing
    open();
    await vi.waitFor(() => expect(log.reads).toBe(2)); // the position check, then the range
    await new Promise((r) => setTimeout(r, 10));
    expect(stalled.texts()).toEqual([]);
    const refused = await client();
    await refused.join({ recover: { position: 'b0-0' } });
    await vi.waitFor(() => expect(refused.system()).toHaveLength(1));
    expect(refused.system()[0]).toMatchObject({ result: 'unavailable', recovered: 0 });
    stalled.socket.bufferedAmount = 0; // reads again
    await vi.waitFor(() => {
      t.clock.advance(5);
      expect(stalled.system()).toHaveLength(1);
    });
    expect(stalled.system()[0]).toMatchObject({ result: 'complete', recovered: 2 });
    const served = await client();
    await served.join({ recover: { position: 'b0-0' } });
    await vi.waitFor(() => expect(served.system()).toHaveLength(1));
    expect(served.system()[0]).toMatchObject({ result: 'complete', recovered: 2 });
  });

  it('unavailable when the deadline passes; live delivery goes on', async () => {
    stored(message('a'));
    const c = await client();
    log.hold(); // never opened
    await c.join({ recover: { position: 'b0-0' } });
    t.clock.advance(30_000);
    await vi.waitFor(() => expect(c.system()).toHaveLength(1));
    expect(c.system()[0]).toMatchObject({ result: 'unavailable' });
  });
});

describe('recovering channels get broadcasts in Kafka order only', () => {
  it('a local send reaches a recovering channel from Kafka, never twice, and self: false leaves the sender out', async () => {
    const sender = await client();
    await sender.join({ recover: {}, self: false });
    const other = await client();
    await other.join({ recover: {} });
    const plain = await client();
    await plain.join({});
    await vi.waitFor(() => expect(other.system()).toHaveLength(1));
    await sender.send('hi');
    expect(plain.texts()).toEqual([['hi', null]]); // delivered locally at once, as always
    expect(other.texts()).toEqual([]); // waits for Kafka
    const published = t.bus.published[0]!;
    t.bus.deliver(published, { partition: 0, offset: stored(published) });
    expect(other.texts()).toEqual([['hi', 'b0-0']]);
    expect(sender.texts()).toEqual([]);
    expect(plain.texts()).toHaveLength(1); // its own echo is still dropped for non-recovering channels
  });

  it('self: true gets its own message back from Kafka with its position', async () => {
    const c = await client();
    await c.join({ recover: true, self: true });
    await c.send('me');
    expect(c.texts()).toEqual([]);
    const published = t.bus.published[0]!;
    t.bus.deliver(published, { partition: 0, offset: stored(published) });
    expect(c.texts()).toEqual([['me', 'b0-0']]);
  });

  it('puts the position in the metadata of a binary user broadcast (vsn 2.0.0)', async () => {
    const c = await client();
    await c.join({ recover: {} });
    const m = message('binary', { kind: 'user', encoding: 'binary', payload: new Uint8Array([1, 2, 3]) });
    t.bus.deliver(m, { partition: 0, offset: stored(m) });
    const frame = new TextDecoder().decode(c.socket.binary()[0]);
    expect(frame).toContain('{"position":"b0-0"}');
  });

  it('counts recovered frames as the tenant\'s traffic', async () => {
    for (const text of ['a', 'b', 'c']) stored(message(text));
    const c = await client();
    await c.join({ recover: { position: 'b0-0' } });
    await vi.waitFor(() => expect(c.system()).toHaveLength(1));
    const [report] = t.gateway.usage.flush(t.clock.now(), 'node-a', new Map());
    expect(report).toMatchObject({ tenant: 'acme', events_out: 2 });
    expect(report!.bytes_out).toBeGreaterThan(0);
  });

  it('merges the position into an existing meta id', async () => {
    const c = await client();
    await c.join({ recover: {} });
    const m = message('with id', { metaId: 'abc' });
    t.bus.deliver(m, { partition: 0, offset: stored(m) });
    expect(c.frames().find((f) => f[3] === 'broadcast')![4].meta).toEqual({ id: 'abc', position: 'b0-0' });
  });
});
