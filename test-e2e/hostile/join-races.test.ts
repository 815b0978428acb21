// Hostile: a client pipelines joins without waiting for replies. The gateway handles a socket's
// frames one at a time, so 20 pipelined joins with max_channels_per_client 5 give exactly 5
// channels, and two pipelined joins on one topic leave one channel that gets each broadcast
// once. Meanwhile a supabase-js client on the other gateway still gets broadcasts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@realtime/testing';
import type { Stack } from '@realtime/testing/stack';
import { client, closeClients, collect, createTenant, startE2eStack, subscribed, token, type TenantInfo } from '../support/fixture.ts';
import { rawClient, type RawClient } from '../support/raw-socket.ts';

let stack: Stack;
let tenant: TenantInfo;
let key: string;
beforeAll(async () => {
  stack = await startE2eStack({ gateways: 2, gatewayEnv: { LOG_LEVEL: 'warn' } });
  tenant = await createTenant(stack, { max_channels_per_client: 5, max_joins_per_second: 1000 });
  key = await token(tenant.jwtSecret);
});
afterAll(async () => {
  await closeClients();
  await stack?.stop();
});

type Frame = [string | null, string | null, string, string, { status?: string; response?: { reason?: string } }];
const replies = (c: RawClient) => (c.frames as Frame[]).filter((f) => Array.isArray(f) && f[3] === 'phx_reply');
/** Broadcasts as JSON arrays or as binary kind 4 (supabase-js sends kind 3 pushes, docs/PROTOCOL.md §1.4). */
const broadcasts = (c: RawClient) => c.frames.filter((f) => (Array.isArray(f) && f[3] === 'broadcast') || (f instanceof Uint8Array && f[0] === 4));

describe('hostile: pipelined joins', () => {
  it('20 pipelined joins with max_channels_per_client 5 give exactly 5 channels', async () => {
    const c = await rawClient(stack.gateways[0]!.port, tenant.externalId, key);
    for (let i = 0; i < 20; i++) c.send([String(i), String(i), `realtime:room-${i}`, 'phx_join', { config: {} }]);
    await waitFor(() => expect(replies(c)).toHaveLength(20));
    const ok = replies(c).filter((f) => f[4].status === 'ok');
    expect(ok.map((f) => f[2])).toEqual([0, 1, 2, 3, 4].map((i) => `realtime:room-${i}`));
    expect(new Set(replies(c).filter((f) => f[4].status === 'error').map((f) => f[4].response?.reason))).toEqual(new Set(['ChannelRateLimitReached: Too many channels']));
    c.ws.close();
  });

  it('two pipelined joins on one topic leave one channel that gets each broadcast once', async () => {
    const c = await rawClient(stack.gateways[0]!.port, tenant.externalId, key);
    c.send(['1', '1', 'realtime:twice', 'phx_join', { config: {} }]);
    c.send(['2', '2', 'realtime:twice', 'phx_join', { config: {} }]);
    await waitFor(() => expect(replies(c).filter((f) => f[4].status === 'ok')).toHaveLength(2));
    const sender = client(stack.gateways[1]!.port, tenant.externalId, key).channel('twice');
    const peer = client(stack.gateways[1]!.port, tenant.externalId, key).channel('twice');
    const got = collect(peer, 'e');
    await Promise.all([subscribed(sender), subscribed(peer)]);
    for (let i = 0; i < 3; i++) expect(await sender.send({ type: 'broadcast', event: 'e', payload: { i } })).toBe('ok');
    await waitFor(() => expect(broadcasts(c)).toHaveLength(3));
    await waitFor(() => expect(got).toHaveLength(3)); // the other gateway's clients are served too
    await new Promise((r) => setTimeout(r, 300)); // a second channel's copies would arrive meanwhile
    expect(broadcasts(c)).toHaveLength(3);
    expect(c.frames).toContainEqual(['1', '1', 'realtime:twice', 'phx_close', {}]);
    c.ws.close();
  });
});
