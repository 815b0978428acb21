// Situations that used to pass silently now log their catalog code (issue 9 item 6).
import { beforeEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { SignJWT } from 'jose';
import { createLogger } from '@realtime/log';
import { ErrorCodes } from '@realtime/errors';
import { MemorySocket, MemoryTenantDatabase, tenant, testGateway } from '../../test/support.ts';
import { joinPayloadProblem } from './channels/join-payload.ts';

const secret = tenant().jwtSecret!;
let lines: Array<Record<string, unknown>>;
let t: ReturnType<typeof testGateway>;

beforeEach(() => {
  lines = [];
  const destination = new Writable({ write: (chunk, _e, cb) => { lines.push(JSON.parse(String(chunk))); cb(); } });
  t = testGateway(undefined, new MemoryTenantDatabase(), undefined, { log: createLogger({ service: 'test', destination }) });
  t.tenants.put(tenant({ limits: { ...tenant().limits, clientPresenceMaxCalls: 1, clientPresenceWindowMs: 30_000 } }));
});

const codes = () => lines.map((l) => l.code).filter(Boolean);

async function client() {
  const exp = Math.floor(t.clock.now() / 1000) + 3600;
  const token = await new SignJWT({ role: 'anon', exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
  const socket = new MemorySocket(`s${Math.random()}`);
  const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { role: 'anon', exp });
  const send = async (frame: unknown[]) => {
    await t.gateway.receive(conn, JSON.stringify(frame));
    for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
  };
  const presence = (event: string, payload: unknown, ref: string) => send(['1', ref, 'realtime:room', 'presence', { type: 'presence', event, payload }]);
  return { socket, send, presence };
}

describe('codes logged where their situation happens', () => {
  it('InvalidJoinPayload: the join still succeeds with defaults', async () => {
    const c = await client();
    await c.send(['1', '1', 'realtime:room', 'phx_join', { config: { broadcast: 'yes' } }]);
    expect(c.socket.json()[0]).toMatchObject(['1', '1', 'realtime:room', 'phx_reply', { status: 'ok' }]);
    expect(lines.find((l) => l.code === ErrorCodes.InvalidJoinPayload)).toMatchObject({ problem: 'config.broadcast is not an object' });
  });

  it('InvalidJoinPayload is not logged for a join the limits refuse (a flood of them logs nothing)', async () => {
    t.tenants.put(tenant({ limits: { ...tenant().limits, maxChannelsPerClient: 1 } }));
    const c = await client();
    await c.send(['1', '1', 'realtime:a', 'phx_join', { config: {} }]);
    await c.send(['2', '2', 'realtime:b', 'phx_join', { config: { broadcast: 'yes' } }]);
    expect(c.socket.json()[1]).toMatchObject(['2', '2', 'realtime:b', 'phx_reply', { status: 'error', response: { reason: 'ChannelRateLimitReached: Too many channels' } }]);
    expect(codes()).not.toContain(ErrorCodes.InvalidJoinPayload);
  });

  it('UnknownPresenceEvent, InvalidPresencePayload, ClientPresenceRateLimitReached', async () => {
    const c = await client();
    await c.send(['1', '1', 'realtime:room', 'phx_join', { config: { presence: { enabled: true } } }]);
    await c.presence('jump', {}, '2');
    await c.presence('track', 'not a map', '3');
    await c.presence('track', { a: 1 }, '4');
    expect(codes()).toEqual([ErrorCodes.UnknownPresenceEvent, ErrorCodes.InvalidPresencePayload, ErrorCodes.ClientPresenceRateLimitReached]);
    expect(c.socket.json().at(-2)).toMatchObject(['1', null, 'realtime:room', 'system', { status: 'error', message: 'Client presence rate limit exceeded' }]);
  });

  it('RealtimeRestarting: logged when shutdown closes the sockets', async () => {
    const c = await client();
    t.gateway.closeAll();
    expect(c.socket.closed?.code).toBe(1001);
    expect(lines.find((l) => l.code === ErrorCodes.RealtimeRestarting)).toMatchObject({ sockets: 1, closeCode: 1001 });
  });
});

describe('joinPayloadProblem', () => {
  it('accepts the current and the legacy forms, and FlexibleBoolean strings', () => {
    expect(joinPayloadProblem({})).toBeNull();
    expect(joinPayloadProblem({ config: { private: 'true', broadcast: { self: true, ack: 'false' }, presence: { enabled: false, key: '' }, postgres_changes: [] } })).toBeNull();
  });

  it('names what is invalid', () => {
    expect(joinPayloadProblem('x')).toBe('payload is not an object');
    expect(joinPayloadProblem({ config: [] })).toBe('config is not an object');
    expect(joinPayloadProblem({ config: { private: 1 } })).toBe('config.private is not a boolean');
    expect(joinPayloadProblem({ config: { presence: { enabled: 'yes' } } })).toBe('config.presence.enabled is not a boolean');
    expect(joinPayloadProblem({ config: { postgres_changes: {} } })).toBe('config.postgres_changes is not a list');
  });
});
