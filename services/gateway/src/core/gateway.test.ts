import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { MemorySocket, tenant, testGateway } from '../../test/support.ts';
import type { Gateway } from './gateway.ts';

const secret = tenant().jwtSecret!;
const sign = (exp: number, claims: Record<string, unknown> = { role: 'anon' }) =>
  new SignJWT({ ...claims, exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));

async function setup(overrides = {}) {
  const t = testGateway();
  t.tenants.put(tenant(overrides));
  const nowS = t.clock.now() / 1000;
  const token = await sign(nowS + 3600);
  const open = (vsn: '1.0.0' | '2.0.0' = '2.0.0', id = `s${Math.random()}`) => {
    const socket = new MemorySocket(id);
    const conn = t.gateway.attach(socket, 'acme', vsn, token, { role: 'anon', exp: nowS + 3600 });
    return { socket, conn, send: (frame: unknown) => t.gateway.receive(conn, typeof frame === 'string' || frame instanceof Uint8Array ? frame : JSON.stringify(frame)) };
  };
  return { ...t, token, nowS, open };
}

const join = (topic: string, config: object = {}, joinRef = '1', extra: object = {}) => [joinRef, joinRef, topic, 'phx_join', { config, ...extra }];

/** Kind 3 push as realtime-js encodes it (docs/PROTOCOL.md §1.4). */
function userPush(joinRef: string, ref: string, topic: string, event: string, payload: Uint8Array, encoding: 0 | 1) {
  const enc = new TextEncoder();
  const parts = [joinRef, ref, topic, event, ''].map((s) => enc.encode(s));
  return new Uint8Array([3, ...parts.map((p) => p.length), encoding, ...parts.flatMap((p) => [...p]), ...payload]);
}

describe('gateway core', () => {
  it('answers heartbeats and joins in the reference form', async () => {
    const { open } = await setup();
    const c = open();
    await c.send([null, '12', 'phoenix', 'heartbeat', {}]);
    await c.send(join('realtime:room1'));
    expect(c.socket.json()).toEqual([
      [null, '12', 'phoenix', 'phx_reply', { status: 'ok', response: {} }],
      ['1', '1', 'realtime:room1', 'phx_reply', { status: 'ok', response: { postgres_changes: [] } }],
    ]);
  });

  it('replies unmatched topic for frames on topics not joined', async () => {
    const { open } = await setup();
    const c = open();
    await c.send(['1', '2', 'realtime:nope', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }]);
    await c.send(join('other:topic'));
    expect(c.socket.json()).toEqual([
      ['1', '2', 'realtime:nope', 'phx_reply', { status: 'error', response: { reason: 'unmatched topic' } }],
      ['1', '1', 'other:topic', 'phx_reply', { status: 'error', response: { reason: 'unmatched topic' } }],
    ]);
  });

  it.each([
    ['empty subtopic', {}, 'realtime:', {}, 'TopicNameRequired: You must provide a topic name'],
    ['private only tenant', { privateOnly: true }, 'realtime:r', {}, 'PrivateOnly: This project only allows private channels'],
    ['suspended tenant', { suspend: true }, 'realtime:r', {}, 'RealtimeDisabledForTenant: Realtime was disabled for this tenant'],
  ])('refuses a join: %s', async (_n, overrides, topic, config, reason) => {
    const { open } = await setup(overrides);
    const c = open();
    await c.send(join(topic, config));
    expect(c.socket.json()).toEqual([['1', '1', topic, 'phx_reply', { status: 'error', response: { reason } }]]);
  });

  it('refuses expired and role-less channel tokens with the reference reasons', async () => {
    const { open, nowS } = await setup();
    const c = open();
    await c.send(join('realtime:a', {}, '1', { access_token: await sign(nowS - 42) }));
    await c.send(join('realtime:b', {}, '2', { access_token: await new SignJWT({ exp: nowS + 60 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret)) }));
    await c.send(join('realtime:c', {}, '3', { access_token: 'garbage' }));
    expect(c.socket.json().map((f: any) => f[4].response.reason)).toEqual([
      'InvalidJWTToken: Token has expired 42 seconds ago',
      'InvalidJWTToken: Fields `role` and `exp` are required in JWT',
      'MalformedJWT: The token provided is not a valid JWT',
    ]);
  });

  it('limits channels per client, and joins per second (averaged, tripped at a tick) with a 1001 close', async () => {
    const { open, clock } = await setup({ limits: { ...tenant().limits, maxChannelsPerClient: 1, maxJoinsPerSecond: 2 } });
    const c = open();
    await c.send(join('realtime:a', {}, '1'));
    for (let i = 0; i < 19; i++) await c.send(join('realtime:b', {}, '2')); // refused joins count too
    expect((c.socket.json()[1] as any)[4].response.reason).toBe('ChannelRateLimitReached: Too many channels');
    clock.advance(5_000); // [20, 0] → 2/s: tripped
    await c.send(join('realtime:c', {}, '3'));
    expect((c.socket.json().at(-1) as any)[4].response.reason).toBe('ClientJoinRateLimitReached: Too many joins per second');
    expect(c.socket.closed?.code).toBe(1001);
  });

  it('fans out locally by vsn, honours self, and publishes once to the bus', async () => {
    const { open, bus } = await setup();
    const sender = open('2.0.0');
    const v2 = open('2.0.0');
    const v1 = open('1.0.0');
    await sender.send(join('realtime:room'));
    await v2.send(join('realtime:room'));
    await v1.send({ topic: 'realtime:room', event: 'phx_join', payload: { config: {} }, ref: '1', join_ref: '1' });
    await sender.send(['1', '2', 'realtime:room', 'broadcast', { type: 'broadcast', event: 'hello', payload: { a: 1 } }]);
    expect(v2.socket.json().at(-1)).toEqual([null, null, 'realtime:room', 'broadcast', { type: 'broadcast', event: 'hello', payload: { a: 1 } }]);
    expect(v1.socket.json().at(-1)).toEqual({ topic: 'realtime:room', event: 'broadcast', payload: { type: 'broadcast', event: 'hello', payload: { a: 1 } }, ref: null });
    expect(sender.socket.frames).toHaveLength(1); // only the join reply: self is false
    expect(bus.published).toHaveLength(1);
    expect(bus.published[0]).toMatchObject({ tenant: 'acme', topic: 'room', event: 'hello', kind: 'json', originNode: 'node-a' });
  });

  it('turns a binary push into kind 4 for 2.0.0 and JSON for 1.0.0; raw binary skips 1.0.0', async () => {
    const { open } = await setup();
    const sender = open('2.0.0');
    const v2 = open('2.0.0');
    const v1 = open('1.0.0');
    for (const c of [sender, v2]) await c.send(join('realtime:bin', { broadcast: { self: true, ack: true } }));
    await v1.send({ topic: 'realtime:bin', event: 'phx_join', payload: { config: {} }, ref: '1', join_ref: '1' });
    await sender.send(userPush('1', '5', 'realtime:bin', 'evt', new TextEncoder().encode('{"x":1}'), 1));
    await sender.send(userPush('1', '6', 'realtime:bin', 'raw', new Uint8Array([0, 255]), 0));
    const [json, raw] = v2.socket.binary();
    expect([...json!]).toEqual([4, 12, 3, 0, 1, ...new TextEncoder().encode('realtime:binevt{"x":1}')]);
    expect([...raw!]).toEqual([4, 12, 3, 0, 0, ...new TextEncoder().encode('realtime:binraw'), 0, 255]);
    expect(v1.socket.json().slice(1)).toEqual([{ topic: 'realtime:bin', event: 'broadcast', payload: { type: 'broadcast', event: 'evt', payload: { x: 1 } }, ref: null }]);
    expect(sender.socket.binary()).toHaveLength(2); // self: true
    expect(sender.socket.json().slice(1)).toEqual([
      ['1', '5', 'realtime:bin', 'phx_reply', { status: 'ok', response: {} }],
      ['1', '6', 'realtime:bin', 'phx_reply', { status: 'ok', response: {} }],
    ]);
  });

  it('drops oversized payloads; with ack the sender gets payload_size_exceeded', async () => {
    const { open, bus } = await setup({ limits: { ...tenant().limits, maxPayloadSizeInKb: 1 } });
    const sender = open();
    await sender.send(join('realtime:big', { broadcast: { ack: true } }));
    await sender.send(['1', '2', 'realtime:big', 'broadcast', { type: 'broadcast', event: 'e', payload: { s: 'x'.repeat(1600) } }]);
    expect(sender.socket.json().at(-1)).toEqual(['1', '2', 'realtime:big', 'phx_reply', { status: 'error', response: { error: 'payload_size_exceeded' } }]);
    expect(bus.published).toHaveLength(0);
  });

  it('delivers remote broadcasts except its own', async () => {
    const { open, gateway } = await setup();
    const c = open();
    await c.send(join('realtime:r'));
    const base = { id: 'x', tenant: 'acme', topic: 'r', private: false, event: 'e', kind: 'json' as const, encoding: 'json' as const, payload: new TextEncoder().encode('{}'), metaId: null, sentAt: 0 };
    gateway.receiveRemote({ ...base, originNode: 'node-a' });
    gateway.receiveRemote({ ...base, originNode: 'node-b' });
    expect(c.socket.frames).toHaveLength(2);
  });

  it('leaves with a reply then phx_close carrying the join_ref', async () => {
    const { open } = await setup();
    const c = open();
    await c.send(join('realtime:l', {}, '4'));
    await c.send(['4', '9', 'realtime:l', 'phx_leave', {}]);
    expect(c.socket.json().slice(1)).toEqual([
      ['4', '9', 'realtime:l', 'phx_reply', { status: 'ok', response: {} }],
      ['4', '4', 'realtime:l', 'phx_close', {}],
    ]);
  });

  it('shuts a channel down when its token expires, and on a bad refresh', async () => {
    const { open, clock, nowS } = await setup();
    const c = open();
    await c.send(join('realtime:exp', {}, '1', { access_token: await sign(nowS + 10) }));
    clock.advance(11_000);
    expect(c.socket.json().slice(1)).toEqual([
      ['1', null, 'realtime:exp', 'system', { extension: 'system', status: 'error', message: 'Token has expired 1 seconds ago', channel: 'exp' }],
      ['1', '1', 'realtime:exp', 'phx_close', {}],
    ]);
    await c.send(join('realtime:ref', {}, '2'));
    await c.send(['2', '3', 'realtime:ref', 'access_token', { access_token: 'not-a-jwt' }]);
    expect(c.socket.json().slice(-2)[0]).toMatchObject(['2', null, 'realtime:ref', 'system', { status: 'error', message: 'The token provided is not a valid JWT' }]);
  });

  it('drains every socket of a tenant whose secret changes, with 1012', async () => {
    const { open, tenants } = await setup();
    const c = open();
    await c.send(join('realtime:d'));
    tenants.put(tenant({ jwtSecret: 'rotated-secret-rotated-secret-rotated' }));
    expect(c.socket.json().at(-1)).toMatchObject(['1', null, 'realtime:d', 'system', { status: 'ok', message: 'Server requested disconnect' }]);
    expect(c.socket.closed?.code).toBe(1012);
  });

  it('on shutdown (a new shutdownSeq) drains the tenant\'s sockets and closes its database pools; a reload keeps the pools', async () => {
    const released: string[] = [];
    const t = testGateway(undefined, null, undefined, { databases: { get: () => null, close: async () => {}, release: (id: string) => void released.push(id) } });
    t.tenants.put(tenant());
    const nowS = t.clock.now() / 1000;
    const token = await sign(nowS + 3600);
    const open = () => {
      const socket = new MemorySocket(`s${Math.random()}`);
      const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { role: 'anon', exp: nowS + 3600 });
      return { socket, send: (frame: unknown) => t.gateway.receive(conn, JSON.stringify(frame)) };
    };
    const reloaded = open();
    await reloaded.send(join('realtime:d'));
    t.tenants.put(tenant({ reloadSeq: 1 }));
    expect(reloaded.socket.closed?.code).toBe(1012);
    expect(released).toEqual([]);
    const shut = open();
    await shut.send(join('realtime:d'));
    t.tenants.put(tenant({ reloadSeq: 1, shutdownSeq: 1 }));
    expect(shut.socket.json().at(-1)).toMatchObject(['1', null, 'realtime:d', 'system', { status: 'ok', message: 'Server requested disconnect' }]);
    expect(shut.socket.closed?.code).toBe(1012);
    expect(released).toEqual(['acme']);
  });

  it('logs and drops malformed frames, keeping the connection', async () => {
    const { open } = await setup();
    const c = open();
    for (const bad of ['{', '[1]', '[null,null,5,"x",{}]', new Uint8Array([7, 1]), new Uint8Array([3, 9, 9])]) await c.send(bad);
    await c.send([null, '1', 'phoenix', 'heartbeat', {}]);
    expect(c.socket.json()).toEqual([[null, '1', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]]);
    expect(c.socket.closed).toBeNull();
  });
});

export type { Gateway };
