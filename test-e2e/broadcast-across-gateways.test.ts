// Broadcast from one gateway process reaches a client on another through Kafka, with the
// channel's `self` and `ack` options honoured, and local subscribers served exactly once.
import { describe, expect, it } from 'vitest';
import { waitFor } from '@realtime/testing';
import { client, collect, createTenant, subscribed, token, useTenantStack } from './support/fixture.ts';

const t = useTenantStack({ gateways: 2 });

describe('broadcast across gateways', () => {
  it('connects and subscribes with the official client', async () => {
    const channel = client(t.port(0), t.tenant.externalId, t.key).channel('hello');
    await subscribed(channel);
    expect(channel.state).toBe('joined');
  });

  it('delivers from gateway A to gateway B, and to a local subscriber once', async () => {
    const a = client(t.port(0), t.tenant.externalId, t.key).channel('room-ab');
    const localPeer = client(t.port(0), t.tenant.externalId, t.key).channel('room-ab');
    const remote = client(t.port(1), t.tenant.externalId, t.key).channel('room-ab');
    const gotRemote = collect(remote, 'msg');
    const gotLocal = collect(localPeer, 'msg');
    const gotSelf = collect(a, 'msg');
    await Promise.all([subscribed(a), subscribed(localPeer), subscribed(remote)]);

    for (let i = 0; i < 5; i++) expect(await a.send({ type: 'broadcast', event: 'msg', payload: { i } })).toBe('ok');
    await waitFor(() => expect(gotRemote).toHaveLength(5));
    await waitFor(() => expect(gotLocal).toHaveLength(5));
    expect(gotRemote.map((m: any) => m.payload.i)).toEqual([0, 1, 2, 3, 4]);
    expect(gotRemote[0]).toMatchObject({ type: 'broadcast', event: 'msg', payload: { i: 0 } });
    await new Promise((r) => setTimeout(r, 300)); // a duplicate via Kafka would arrive meanwhile
    expect(gotLocal).toHaveLength(5);
    expect(gotSelf).toHaveLength(0); // self: false by default
  });

  it('echoes to the sender with self: true and acknowledges with ack: true', async () => {
    const sender = client(t.port(1), t.tenant.externalId, t.key).channel('room-self', { config: { broadcast: { self: true, ack: true } } });
    const got = collect(sender, 'ping');
    await subscribed(sender);
    expect(await sender.send({ type: 'broadcast', event: 'ping', payload: { n: 1 } })).toBe('ok');
    await waitFor(() => expect(got).toHaveLength(1));
    expect(got[0]).toMatchObject({ event: 'ping', payload: { n: 1 } });
  });

  it('keeps other channels and other tenants apart', async () => {
    const other = await createTenant(t.stack);
    const otherKey = await token(other.jwtSecret, { role: 'anon' });
    const sender = client(t.port(0), t.tenant.externalId, t.key).channel('shared-name');
    const sameTenantOtherRoom = client(t.port(1), t.tenant.externalId, t.key).channel('another-room');
    const otherTenant = client(t.port(1), other.externalId, otherKey).channel('shared-name');
    const control = client(t.port(1), t.tenant.externalId, t.key).channel('shared-name');
    const leaks = [...collect(sameTenantOtherRoom), ...collect(otherTenant)];
    const got = collect(control);
    await Promise.all([subscribed(sender), subscribed(sameTenantOtherRoom), subscribed(otherTenant), subscribed(control)]);
    await sender.send({ type: 'broadcast', event: 'x', payload: {} });
    await waitFor(() => expect(got).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 300));
    expect(leaks).toHaveLength(0);
  });
});
