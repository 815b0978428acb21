// Both REST forms (docs/PROTOCOL.md §4): the batch endpoint delivers JSON broadcasts, the single endpoint a
// UserBroadcast (binary kind 4), to clients on every gateway; errors have the documented shapes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@realtime/testing';
import type { Stack } from '@realtime/testing/stack';
import { client, closeClients, collect, createTenant, startE2eStack, subscribed, token, type TenantInfo } from './support/fixture.ts';

let stack: Stack;
let tenant: TenantInfo;
let key: string;
let base: string;

beforeAll(async () => {
  stack = await startE2eStack({ gateways: 2 });
  tenant = await createTenant(stack, { max_payload_size_in_kb: 1 });
  key = await token(tenant.jwtSecret, { role: 'service_role' });
  base = `http://${tenant.externalId}.localhost:${stack.gateways[0]!.port}`;
});
afterAll(async () => {
  await closeClients();
  await stack?.stop();
});

const post = (url: string, body: string | Uint8Array | undefined, headers: Record<string, string>) => fetch(url, { method: 'POST', body, headers });

describe('REST broadcast', () => {
  it('POST /api/broadcast delivers a batch to both gateways', async () => {
    const near = client(stack.gateways[0]!.port, tenant.externalId, key).channel('rest-batch');
    const far = client(stack.gateways[1]!.port, tenant.externalId, key).channel('rest-batch');
    const [gotNear, gotFar] = [collect<any>(near, 'news'), collect<any>(far, 'news')];
    await Promise.all([subscribed(near), subscribed(far)]);
    const res = await post(`${base}/api/broadcast`, JSON.stringify({ messages: [
      { topic: 'rest-batch', event: 'news', payload: { n: 1 } },
      { topic: 'rest-batch', event: 'news', payload: { n: 2 }, id: 'm-2' },
    ] }), { authorization: `Bearer ${key}`, 'content-type': 'application/json' });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    await waitFor(() => expect(gotFar).toHaveLength(2));
    await waitFor(() => expect(gotNear).toHaveLength(2));
    expect(gotFar.map((m) => m.payload.n)).toEqual([1, 2]);
  });

  it('the client httpSend uses the single-message endpoint, also with the apikey header', async () => {
    const listener = client(stack.gateways[1]!.port, tenant.externalId, key).channel('rest-single');
    const got = collect<any>(listener, 'ping');
    await subscribed(listener);
    const sender = client(stack.gateways[0]!.port, tenant.externalId, key).channel('rest-single');
    await expect(sender.httpSend('ping', { via: 'httpSend' })).resolves.toMatchObject({ success: true });
    const res = await post(`${base}/api/broadcast/rest-single/events/ping`, new Uint8Array([1, 2, 3]), { apikey: key, 'content-type': 'application/octet-stream' });
    expect(res.status).toBe(202);
    await waitFor(() => expect(got).toHaveLength(2));
    expect(got[0].payload).toEqual({ via: 'httpSend' });
    expect([...new Uint8Array(got[1].payload)]).toEqual([1, 2, 3]);
  });

  it('answers auth, tenant, validation, size and media-type errors as the reference does', async () => {
    const json = { 'content-type': 'application/json' };
    const body = JSON.stringify({ messages: [{ topic: 't', event: 'e', payload: {} }] });
    let res = await post(`${base}/api/broadcast`, body, json);
    expect([res.status, await res.json()]).toEqual([401, { message: 'Unauthorized' }]);
    res = await post(`${base}/api/broadcast`, body, { ...json, authorization: `Bearer ${await token('wrong-secret')}` });
    expect(res.status).toBe(401);
    res = await post(`http://nope.localhost:${stack.gateways[0]!.port}/api/broadcast`, body, { ...json, authorization: `Bearer ${key}` });
    expect([res.status, await res.json()]).toEqual([401, { message: 'Tenant not found in database' }]);
    res = await post(`${base}/api/broadcast`, JSON.stringify({ messages: [] }), { ...json, authorization: `Bearer ${key}` });
    expect(res.status).toBe(422);
    const big = JSON.stringify({ messages: [{ topic: 't', event: 'e', payload: { s: 'x'.repeat(2000) } }] });
    res = await post(`${base}/api/broadcast`, big, { ...json, authorization: `Bearer ${key}` });
    expect([res.status, await res.json()]).toEqual([422, { errors: { messages: [{ payload: ['Payload size exceeds tenant limit'] }] } }]);
    res = await post(`${base}/api/broadcast/t/events/e`, 'hi', { 'content-type': 'text/plain', authorization: `Bearer ${key}` });
    expect(res.status).toBe(415);
  });
});
