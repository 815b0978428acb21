// A 1.0.0 (JSON objects) and a 2.0.0 (arrays + binary kinds) client on one channel, on
// different gateways, hear each other (docs/PROTOCOL.md §1.3, §1.4 routing).
import { expect, it } from 'vitest';
import { waitFor } from '@realtime/testing';
import { client, collect, subscribed, useTenantStack } from './support/fixture.ts';

const t = useTenantStack({ gateways: 2 });

it('1.0.0 and 2.0.0 clients exchange broadcasts both ways', async () => {
  const v1 = client(t.port(0), t.tenant.externalId, t.key, { vsn: '1.0.0' }).channel('mixed');
  const v2 = client(t.port(1), t.tenant.externalId, t.key, { vsn: '2.0.0' }).channel('mixed');
  const v2local = client(t.port(0), t.tenant.externalId, t.key, { vsn: '2.0.0' }).channel('mixed');
  const atV1 = collect(v1, 'hi');
  const atV2 = collect(v2, 'hi');
  const atV2local = collect(v2local, 'hi');
  await Promise.all([subscribed(v1), subscribed(v2), subscribed(v2local)]);

  await v1.send({ type: 'broadcast', event: 'hi', payload: { from: 'v1' } });
  await v2.send({ type: 'broadcast', event: 'hi', payload: { from: 'v2' } });
  await waitFor(() => expect(atV1).toHaveLength(1));
  await waitFor(() => expect(atV2).toHaveLength(1));
  await waitFor(() => expect(atV2local).toHaveLength(2));
  expect(atV1[0]).toMatchObject({ event: 'hi', payload: { from: 'v2' } });
  expect(atV2[0]).toMatchObject({ event: 'hi', payload: { from: 'v1' } });
  expect(atV2local.map((m: any) => m.payload.from).sort()).toEqual(['v1', 'v2']);
});
