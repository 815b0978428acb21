// Hostile: a client sends broadcasts just under the tenant's default max_payload_size_in_kb (3000 KB)
// but over what a Kafka record holds (1 MiB). Before, the gateway delivered them to its local
// subscribers, then Kafka refused the record, failing the other broadcasts sent with it. Now the
// tenant limit is clamped to what Kafka stores: the sender gets `payload_size_exceeded`, nobody
// gets a half-delivered message, and broadcasts of normal size still cross between the gateways.
import { describe, expect, it } from 'vitest';
import { waitFor } from '@realtime/testing';
import { client, collect, subscribed, useTenantStack } from '../support/fixture.ts';

const t = useTenantStack({ gateways: 2, tenant: { max_bytes_per_second: 1_000_000_000 } });

describe('a broadcast over the Kafka record limit', () => {
  it('is refused with payload_size_exceeded, and everyone else is still served', async () => {
    const sender = client(t.port(0), t.tenant.externalId, t.key).channel('big', { config: { broadcast: { ack: true } } });
    const localPeer = client(t.port(0), t.tenant.externalId, t.key).channel('big');
    const remotePeer = client(t.port(1), t.tenant.externalId, t.key).channel('big');
    const gotLocal = collect<{ event: string }>(localPeer);
    const gotRemote = collect<{ event: string; payload: { s: string } }>(remotePeer);
    await Promise.all([subscribed(sender), subscribed(localPeer), subscribed(remotePeer)]);

    const huge = 'x'.repeat(1_500_000); // under 3000 KB, over 1 MiB
    const results = await Promise.all([1, 2, 3].map(() => sender.send({ type: 'broadcast', event: 'huge', payload: { s: huge } })));
    expect(results).toEqual(['error', 'error', 'error']);
    expect(await sender.send({ type: 'broadcast', event: 'fine', payload: { s: 'y'.repeat(500_000) } })).toBe('ok');

    await waitFor(() => expect(gotRemote.map((m) => m.event)).toEqual(['fine']), { timeout: 15_000 });
    expect(gotRemote[0]!.payload.s).toHaveLength(500_000);
    expect(gotLocal.map((m) => m.event)).toEqual(['fine']);
    const ping = await fetch(`http://${t.tenant.externalId}.localhost:${t.port(0)}/api/ping`, { signal: AbortSignal.timeout(1000) });
    expect(ping.status).toBe(200);
  });
});
