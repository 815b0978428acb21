// Bad input at connect and at join gets the documented status, message and code (docs/PROTOCOL.md §1.2, §3.3, §4),
// and neither the socket nor the gateway process goes down over it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '@realtime/testing';
import type { Stack } from '@realtime/testing/stack';
import { client, closeClients, collect, createTenant, startE2eStack, subscribed, token, type TenantInfo } from './support/fixture.ts';

let stack: Stack;
let tenant: TenantInfo;
let port: number;

beforeAll(async () => {
  stack = await startE2eStack({ gateways: 1 });
  tenant = await createTenant(stack, { max_payload_size_in_kb: 1 });
  port = stack.gateways[0]!.port;
});
afterAll(async () => {
  await closeClients();
  await stack?.stop();
});

/** Opens a raw socket with an explicit Host; resolves with the HTTP refusal or the open socket. */
function connect(tenantId: string, query: string): Promise<{ status: number; body: string } | WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket/websocket?${query}`, { headers: { host: `${tenantId}.localhost` } });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (err) => (ws.readyState === WebSocket.CLOSED ? undefined : reject(err)));
  });
}

describe('connect refusals', () => {
  it.each([
    ['missing', async () => '', 401, 'API key is missing'],
    ['malformed', async () => 'not-a-jwt', 401, 'The token provided is not a valid JWT'],
    ['wrongly signed', async () => token('another-secret'), 401, 'Failed to validate JWT signature'],
    ['expired', async () => token(tenant.jwtSecret, { role: 'anon' }, Math.floor(Date.now() / 1000) - 60), 401, 'Token has expired'],
    ['role-less', async () => token(tenant.jwtSecret, { sub: 'u1' }), 401, 'Fields `role` and `exp` are required in JWT'],
    ['exp-less', async () => token(tenant.jwtSecret, { role: 'anon' }, 'none'), 401, 'Fields `role` and `exp` are required in JWT'],
  ])('%s token', async (_name, make, status, error) => {
    const apikey = await make();
    const result = await connect(tenant.externalId, `vsn=2.0.0${apikey ? `&apikey=${apikey}` : ''}`);
    expect(result).not.toBeInstanceOf(WebSocket);
    expect(result).toEqual({ status, body: JSON.stringify({ error }) });
  });

  it('unknown tenant and unsupported vsn', async () => {
    const key = await token(tenant.jwtSecret);
    expect(await connect('no-such-tenant', `vsn=2.0.0&apikey=${key}`)).toEqual({ status: 404, body: JSON.stringify({ error: 'Tenant not found' }) });
    expect(await connect(tenant.externalId, `vsn=9.9.9&apikey=${key}`)).toEqual({ status: 403, body: '' });
  });
});

describe('join refusals through the official client', () => {
  it.each([
    ['expired', () => token(tenant.jwtSecret, { role: 'anon' }, Math.floor(Date.now() / 1000) - 30), /^CHANNEL_ERROR: InvalidJWTToken: Token has expired \d+ seconds ago$/],
    ['role-less', () => token(tenant.jwtSecret, { sub: 'x' }), /^CHANNEL_ERROR: InvalidJWTToken: Fields `role` and `exp` are required in JWT$/],
    ['wrongly signed', () => token('nope'), /^CHANNEL_ERROR: JwtSignatureError: Failed to validate JWT signature$/],
  ])('%s access token', async (_name, make, reason) => {
    const c = client(port, tenant.externalId, await token(tenant.jwtSecret));
    await c.realtime.setAuth(await make());
    await expect(subscribed(c.channel(`join-${_name}`))).rejects.toThrow(reason);
    await c.removeAllChannels();
  });
});

describe('bad frames and payloads', () => {
  it('drops malformed frames and keeps the socket and the process up', async () => {
    const ws = (await connect(tenant.externalId, `vsn=2.0.0&apikey=${await token(tenant.jwtSecret)}`)) as WebSocket;
    const replies: string[] = [];
    ws.on('message', (data) => replies.push(data.toString()));
    for (const bad of ['{', '[1,2]', '"str"', '[null,"1","phoenix",42,{}]']) ws.send(bad);
    ws.send(Buffer.from([9, 9, 9]));
    ws.send(Buffer.from([3, 200, 1, 1, 1, 0, 1]));
    ws.send(JSON.stringify([null, '7', 'phoenix', 'heartbeat', {}]));
    await waitFor(() => expect(replies).toContain(JSON.stringify([null, '7', 'phoenix', 'phx_reply', { status: 'ok', response: {} }])));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  it('refuses an oversized broadcast: ack gives error, nobody receives it', async () => {
    const key = await token(tenant.jwtSecret);
    const sender = client(port, tenant.externalId, key).channel('big', { config: { broadcast: { ack: true } } });
    const peer = client(port, tenant.externalId, key).channel('big');
    const got = collect(peer);
    await Promise.all([subscribed(sender), subscribed(peer)]);
    expect(await sender.send({ type: 'broadcast', event: 'e', payload: { s: 'x'.repeat(3000) } })).toBe('error');
    expect(await sender.send({ type: 'broadcast', event: 'e', payload: { s: 'small' } })).toBe('ok');
    await waitFor(() => expect(got).toHaveLength(1));
    expect(got[0]).toMatchObject({ payload: { s: 'small' } });
  });
});
