import { describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import { MemorySocket, MemoryTenantDatabase, tenant, testGateway } from '../../../test/support.ts';
import { ACCESS_TOKEN_THROTTLE_MS } from './access-token.ts';

const secret = tenant().jwtSecret!;
const sign = (exp: number, sub: string) =>
  new SignJWT({ role: 'anon', sub, exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));

async function setup() {
  const db = new MemoryTenantDatabase();
  db.readPolicy = () => true;
  const t = testGateway(undefined, db);
  t.tenants.put(tenant());
  const nowS = t.clock.now() / 1000;
  const socket = new MemorySocket('s1');
  const first = await sign(nowS + 3600, 'first');
  const conn = t.gateway.attach(socket, 'acme', '2.0.0', first, { role: 'anon', exp: nowS + 3600 });
  const send = (frame: unknown) => t.gateway.receive(conn, JSON.stringify(frame));
  await send(['1', '1', 'realtime:room', 'phx_join', { config: { private: true }, access_token: first }]);
  const channel = () => conn.channels.get('realtime:room');
  const refresh = (token: string, ref = '9') => send(['1', ref, 'realtime:room', 'access_token', { access_token: token }]);
  return { ...t, db, socket, nowS, channel, refresh, send };
}

describe('access_token refresh', () => {
  it('applies one refresh per throttle window per channel, then the newest held one', async () => {
    const { db, nowS, channel, refresh, clock, socket } = await setup();
    const checksAfterJoin = db.policyChecks;
    const tokens = await Promise.all([1, 2, 3, 4, 5].map((i) => sign(nowS + 3600 + i, `t${i}`)));
    await refresh(tokens[0]!);
    expect(channel()?.claims.sub).toBe('t1');
    for (const t of tokens.slice(1)) await refresh(t);
    expect(channel()?.claims.sub).toBe('t1'); // held, not applied
    expect(db.policyChecks).toBe(checksAfterJoin + 1);
    clock.advance(ACCESS_TOKEN_THROTTLE_MS);
    await vi.waitFor(() => expect(channel()?.claims.sub).toBe('t5')); // only the newest of the held ones
    expect(db.policyChecks).toBe(checksAfterJoin + 2);
    expect(socket.json().filter((f: any) => f[3] !== 'phx_reply' || f[1] !== '1')).toEqual([]); // never replied to
  });

  it('keeps one cleanup per channel however many windows pass', async () => {
    const { nowS, channel, refresh, clock } = await setup();
    const cleanups = channel()!.cleanups.length;
    for (let w = 0; w < 5; w++) {
      await refresh(await sign(nowS + 3600 + w, `a${w}`));
      await refresh(await sign(nowS + 3600 + w, `b${w}`)); // held
      clock.advance(ACCESS_TOKEN_THROTTLE_MS);
      await vi.waitFor(() => expect(channel()?.claims.sub).toBe(`b${w}`));
      clock.advance(ACCESS_TOKEN_THROTTLE_MS);
    }
    expect(channel()!.cleanups.length).toBe(cleanups + 1);
  });

  it('shuts the channel down when the held token is bad, and drops it when the channel left first', async () => {
    const first = await setup();
    await first.refresh(await sign(first.nowS + 7200, 'ok'));
    await first.refresh('not-a-jwt');
    expect(first.channel()).toBeDefined();
    first.clock.advance(ACCESS_TOKEN_THROTTLE_MS);
    await vi.waitFor(() => expect(first.channel()).toBeUndefined());
    expect(first.socket.json()).toContainEqual(['1', null, 'realtime:room', 'system', expect.objectContaining({ status: 'error', message: 'The token provided is not a valid JWT' })]);

    const second = await setup();
    await second.refresh(await sign(second.nowS + 7200, 'ok'));
    await second.refresh('not-a-jwt');
    await second.send(['1', '3', 'realtime:room', 'phx_leave', {}]);
    const frames = second.socket.frames.length;
    second.clock.advance(ACCESS_TOKEN_THROTTLE_MS);
    await new Promise((r) => setTimeout(r, 50));
    expect(second.socket.frames.length).toBe(frames);
  });
});
