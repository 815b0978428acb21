// Per-socket bounds and lifecycle: frames handled in order (joins cannot race each other or the
// socket's close), slow readers, frame floods, sockets without channels.
import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { MemorySocket, MemoryTenantDatabase, tenant, testGateway, ManualClock } from '../../test/support.ts';
import { channelKey } from './channels/registry.ts';
import { defaultSocketLimits, FrameQueue, type SocketLimits } from './channels/socket-limits.ts';
import { SLOW_READER_MESSAGE } from './gateway.ts';

const secret = tenant().jwtSecret!;

async function setup(options: { limits?: Partial<SocketLimits>; tenant?: object } = {}) {
  const db = new MemoryTenantDatabase();
  const t = testGateway(new ManualClock(), db);
  t.gateway.deps.socketLimits = { ...defaultSocketLimits, ...options.limits };
  t.tenants.put(tenant(options.tenant));
  const nowS = t.clock.now() / 1000;
  const token = await new SignJWT({ role: 'anon', exp: nowS + 3600 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
  const open = () => {
    const socket = new MemorySocket(`s${Math.random()}`);
    const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { role: 'anon', exp: nowS + 3600 });
    return { socket, conn, send: (frame: unknown) => t.gateway.receive(conn, JSON.stringify(frame)) };
  };
  return { ...t, db, open };
}

const join = (topic: string, config: object = {}, ref = '1') => [ref, ref, topic, 'phx_join', { config }];
const heartbeat = (ref: string) => [null, ref, 'phoenix', 'heartbeat', {}];
const replies = (s: MemorySocket) => s.json().filter((f: any) => f[3] === 'phx_reply') as any[];

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

const remote = (topic: string) => ({
  id: 'x', tenant: 'acme', topic, private: false, event: 'e', kind: 'json' as const, encoding: 'json' as const,
  payload: new TextEncoder().encode('{}'), metaId: null, sentAt: 0, originNode: 'node-b',
});

describe('socket frames are handled one at a time', () => {
  it('pipelined joins cannot pass max_channels_per_client', async () => {
    const { open } = await setup({ tenant: { limits: { ...tenant().limits, maxChannelsPerClient: 2 } } });
    const c = open();
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((t, i) => c.send(join(`realtime:${t}`, {}, String(i + 1)))));
    expect(c.conn.channels.size).toBe(2);
    expect(replies(c.socket).map((r) => r[4].status)).toEqual(['ok', 'ok', 'error', 'error', 'error']);
    expect(replies(c.socket)[2][4].response.reason).toBe('ChannelRateLimitReached: Too many channels');
  });

  it('two pipelined joins on one topic leave one channel, which gets each broadcast once', async () => {
    const { open, gateway } = await setup();
    const c = open();
    await Promise.all([c.send(join('realtime:twice', {}, '1')), c.send(join('realtime:twice', {}, '2'))]);
    expect(gateway.registry.subscribers(channelKey('acme', false, 'twice'))?.size).toBe(1);
    gateway.receiveRemote(remote('twice'));
    expect(c.socket.json().filter((f: any) => f[3] === 'broadcast')).toHaveLength(1);
    expect(c.socket.json()).toContainEqual(['1', '1', 'realtime:twice', 'phx_close', {}]);
  });

  it('a socket closed mid-join leaves no channel, registry entry or timer behind', async () => {
    const { open, gateway, db, clock } = await setup();
    const slow = gate();
    db.readPolicy = () => true;
    const read = db.channelRead.bind(db);
    db.channelRead = async (...args) => { await slow.opened; return read(...args); };
    const c = open();
    const joining = c.send(join('realtime:secret', { private: true, presence: { enabled: true } }));
    await new Promise((r) => setImmediate(r)); // the join is now waiting for the policy check
    gateway.detach(c.conn);
    slow.open();
    await joining;
    expect(c.conn.channels.size).toBe(0);
    expect(gateway.registry.subscribers(channelKey('acme', true, 'secret'))).toBeUndefined();
    expect(clock.liveTimers()).toBe(0);
  });

  it('a socket closed while a waiting postgres_changes join checks its tables leaves no timer or subscription', async () => {
    const { open, gateway, db, clock } = await setup();
    db.addTable({ table: 'items', columns: [{ name: 'id', type: 'int8' }], pk: [{ name: 'id', type: 'int8' }], rls: false });
    const slow = gate();
    const tables = db.publishedTables.bind(db);
    db.publishedTables = async (...args) => { await slow.opened; return tables(...args); };
    db.table = async (schema, table) => { await slow.opened; return db.tables.get(`${schema}.${table}`) ?? null; };
    const c = open();
    const config = { postgres_changes: [{ event: '*', schema: 'public', table: 'items' }], postgres_changes_options: { wait: true } };
    const joining = c.send(join('realtime:cdc', config));
    await new Promise((r) => setImmediate(r));
    gateway.detach(c.conn);
    slow.open();
    await joining;
    expect(gateway.changes.subscriberCount('acme')).toBe(0);
    expect(gateway.registry.subscribers(channelKey('acme', false, 'cdc'))).toBeUndefined();
    expect(clock.liveTimers()).toBe(0);
  });

  it('a socket closed during a track\'s policy check tracks nothing', async () => {
    const { open, gateway, db, presence } = await setup();
    db.readPolicy = () => true;
    const slow = gate();
    db.channelWrite = async () => { await slow.opened; return true; };
    const c = open();
    await c.send(join('realtime:p', { private: true, presence: { enabled: true } }));
    const tracking = c.send(['1', '2', 'realtime:p', 'presence', { type: 'presence', event: 'track', payload: { user: 1 } }]);
    await new Promise((r) => setImmediate(r));
    gateway.detach(c.conn);
    slow.open();
    await tracking;
    expect(presence.commands.filter((x) => x.op === 'TRACK')).toHaveLength(0);
  });

  it('frames piling up behind a slow join are bounded; the ones over are dropped', async () => {
    const { open, db } = await setup({ limits: { maxPendingFrames: 10 } });
    const slow = gate();
    db.readPolicy = () => true;
    const read = db.channelRead.bind(db);
    db.channelRead = async (...args) => { await slow.opened; return read(...args); };
    const c = open();
    const sent = [c.send(join('realtime:q', { private: true }))];
    // (heartbeats are answered ahead of the queue, so these are channel frames)
    for (let i = 0; i < 50; i++) sent.push(c.send([null, String(i), 'realtime:other', 'phx_leave', {}]));
    slow.open();
    await Promise.all(sent);
    const answered = replies(c.socket).filter((r) => r[2] === 'realtime:other');
    expect(answered.map((r) => r[1])).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(c.socket.closed).toBeNull();
  });

  it('a refused join waiting out its backoff holds neither heartbeats nor the next join', async () => {
    const { open, gateway } = await setup();
    gateway.deps.channelErrorBackoffMs = 1000;
    const c = open();
    const refused = c.send(join('realtime:', {}, '1')); // TopicNameRequired, answered after the backoff
    await c.send(heartbeat('hb'));
    await c.send(join('realtime:next', {}, '2'));
    expect(replies(c.socket).map((r) => r[1])).toEqual(['hb', '2']);
    await refused;
    expect(replies(c.socket).map((r) => [r[1], r[4].status])).toEqual([['hb', 'ok'], ['2', 'ok'], ['1', 'error']]);
  });

  it('a heartbeat is answered at once even while a join holds the queue', async () => {
    const { open, db } = await setup();
    const policy = gate();
    db.readPolicy = () => true;
    const read = db.channelRead.bind(db);
    db.channelRead = async (...args: Parameters<typeof read>) => { await policy.opened; return read(...args); };
    const c = open();
    const joining = c.send(join('realtime:locked', { private: true }, '1'));
    await c.send(heartbeat('hb'));
    expect(replies(c.socket).map((r) => r[1])).toEqual(['hb']);
    policy.open();
    await joining;
    expect(replies(c.socket).map((r) => r[1])).toEqual(['hb', '1']);
  });

  it('a broadcast waiting for Kafka does not hold the socket\'s next frames', async () => {
    const { open, bus } = await setup();
    const kafka = gate();
    const publish = bus.publish.bind(bus);
    bus.publish = async (m) => { await kafka.opened; return publish(m); };
    const c = open();
    await c.send(join('realtime:fast', { broadcast: { ack: true } }));
    const sending = c.send(['1', '2', 'realtime:fast', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }]);
    await c.send(heartbeat('hb'));
    // The heartbeat went past while Kafka still holds the record (the ack itself no longer waits
    // for Kafka either: Gateway.publish hands the record to a bounded send queue).
    expect(replies(c.socket).map((r) => r[1])).toContain('hb');
    kafka.open();
    await sending;
    expect(replies(c.socket).map((r) => r[1]).sort()).toEqual(['1', '2', 'hb']);
  });

  it('released handlers are capped: past the cap the queue waits for them', async () => {
    const queue = new FrameQueue(2, 1_000_000);
    const stuck = gate();
    const started: number[] = [];
    for (let i = 0; i < 4; i++) {
      expect(queue.run(1, async (release) => { started.push(i); release(); await stuck.opened; })).not.toBeNull();
      await new Promise((r) => setImmediate(r));
    }
    expect(started).toEqual([0, 1, 2]); // 0 and 1 run beside the queue; 2 could not be released
    expect(queue.released).toBe(2);
    stuck.open();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('a frame whose handler throws does not stop the frames after it', async () => {
    const queue = new FrameQueue(10, 1000);
    const done: number[] = [];
    const first = queue.run(1, () => { throw new Error('boom'); });
    const second = queue.run(1, () => void done.push(2));
    await expect(first).rejects.toThrow('boom');
    await second;
    expect(done).toEqual([2]);
  });
});

describe('slow readers', () => {
  it('a socket past its outgoing bound gets a system error and is closed; the others still receive', async () => {
    const { open, gateway } = await setup({ limits: { maxBufferedBytes: 1000 } });
    const stuck = open();
    const reader = open();
    await stuck.send(join('realtime:busy'));
    await reader.send(join('realtime:busy'));
    stuck.socket.bufferedAmount = 990;
    gateway.receiveRemote(remote('busy'));
    expect(stuck.socket.json().at(-1)).toEqual(['1', null, 'realtime:busy', 'system', { extension: 'system', status: 'error', message: SLOW_READER_MESSAGE, channel: 'busy' }]);
    expect(stuck.socket.closed?.code).toBe(1013);
    expect(gateway.registry.subscribers(channelKey('acme', false, 'busy'))?.size).toBe(1);
    const before = stuck.socket.frames.length;
    gateway.receiveRemote(remote('busy'));
    expect(stuck.socket.frames).toHaveLength(before); // nothing more is queued for it
    expect(reader.socket.json().filter((f: any) => f[3] === 'broadcast')).toHaveLength(2);
  });

  it('one frame larger than the bound still reaches a socket with an empty buffer', async () => {
    const { open, gateway } = await setup({ limits: { maxBufferedBytes: 10 } });
    const c = open();
    await c.send(join('realtime:big'));
    gateway.receiveRemote(remote('big'));
    expect(c.socket.closed).toBeNull();
    expect((c.socket.json().at(-1) as unknown[]).slice(0, 4)).toEqual([null, null, 'realtime:big', 'broadcast']);
  });
});

describe('frame floods and idle sockets', () => {
  it('frames over the per-socket rate are dropped; a flood lasting floodSeconds closes the socket', async () => {
    const { open, clock } = await setup({ limits: { maxFramesPerSecond: 5, floodSeconds: 3 } });
    const c = open();
    const second = async () => { for (let i = 0; i < 20; i++) await c.send(heartbeat(String(i))); clock.advance(1000); };
    await second();
    expect(replies(c.socket)).toHaveLength(5);
    await second();
    expect(c.socket.closed).toBeNull();
    await second();
    expect(replies(c.socket)).toHaveLength(15);
    expect(c.socket.closed).toEqual({ code: 1008, reason: 'too many frames per second' });
  });

  it('frames past the per-socket byte rate are dropped before they are parsed', async () => {
    const { open, clock } = await setup({ limits: { maxInboundBytesPerSecond: 100 } });
    const c = open();
    const padded = (ref: string) => [null, ref, 'phoenix', 'heartbeat', { pad: 'x'.repeat(40) }]; // ~75 bytes
    await c.send(padded('a'));
    await c.send(padded('b'));
    clock.advance(1000);
    await c.send(padded('c'));
    expect(replies(c.socket).map((r) => r[1])).toEqual(['a', 'c']);
  });

  it('a client at the rate is never closed', async () => {
    const { open, clock } = await setup({ limits: { maxFramesPerSecond: 5, floodSeconds: 2 } });
    const c = open();
    for (let s = 0; s < 10; s++) {
      for (let i = 0; i < 5; i++) await c.send(heartbeat(`${s}.${i}`));
      clock.advance(1000);
    }
    expect(replies(c.socket)).toHaveLength(50);
    expect(c.socket.closed).toBeNull();
  });

  it('a socket without channels for the timeout is closed; one with a channel is kept', async () => {
    const { open, clock } = await setup({ limits: { noChannelTimeoutMs: 1000 } });
    const idle = open();
    const busy = open();
    clock.advance(999);
    expect(idle.socket.closed).toBeNull();
    await busy.send(join('realtime:k'));
    clock.advance(1);
    expect(idle.socket.closed).toEqual({ code: 1000, reason: 'no channels' });
    clock.advance(5000);
    expect(busy.socket.closed).toBeNull();
    await busy.send(['1', '2', 'realtime:k', 'phx_leave', {}]);
    clock.advance(999);
    expect(busy.socket.closed).toBeNull();
    clock.advance(1);
    expect(busy.socket.closed?.code).toBe(1000);
  });
});

describe('what one tenant may hold across its sockets', () => {
  it('connect is refused once the tenant has max_concurrent_users sockets without a channel', async () => {
    const { open, gateway } = await setup({ tenant: { limits: { ...tenant().limits, maxConcurrentUsers: 3 } } });
    const { checkConnect } = await import('./admission/connect.ts');
    const token = open().conn.token;
    open();
    open();
    const refused = await checkConnect(gateway, 'acme', token);
    expect(refused).toMatchObject({ ok: false, status: 429, error: 'Too many connected users' });
    // a socket that joins a channel is a user, counted by max_concurrent_users instead
    const joined = open();
    await joined.send(join('realtime:room'));
    expect(gateway.socketCounts('acme')).toEqual({ users: 1, idle: 3 });
  });

  it('frames past the tenant inbound byte rate are dropped for that tenant only', async () => {
    const { open, gateway, tenants } = await setup();
    tenants.put(tenant({ externalId: 'other' }));
    gateway.deps.tenantInboundBytesPerSecond = 2000;
    const frame = (topic: string) => [null, 'x', topic, 'phx_leave', { pad: 'p'.repeat(900) }]; // ~950 bytes
    const sockets = [open(), open(), open()];
    for (const s of sockets) await s.send(frame('realtime:none'));
    for (const s of sockets) await s.send(heartbeat('hb')); // heartbeats are still answered
    const answered = (topic: string) => sockets.flatMap((s) => replies(s.socket).filter((r) => r[2] === topic));
    expect(answered('realtime:none')).toHaveLength(2); // two of the three fit in 2000 bytes a second
    expect(answered('phoenix')).toHaveLength(3);
    // another tenant's socket has a budget of its own
    const socket = new MemorySocket('other-socket');
    const other = gateway.attach(socket, 'other', '2.0.0', sockets[0]!.conn.token, sockets[0]!.conn.claims);
    await gateway.receive(other, JSON.stringify(frame('realtime:none')));
    expect(replies(socket)).toHaveLength(1);
  });
});
