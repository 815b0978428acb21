// Raw binary payloads (kind 3 in, kind 4 out) cross gateways byte for byte between 2.0.0 clients;
// a 1.0.0 client cannot receive raw binary and is skipped, as in the reference (docs/PROTOCOL.md §1.4).
import { expect, it } from 'vitest';
import { waitFor } from '@realtime/testing';
import { client, collect, subscribed, useTenantStack } from './support/fixture.ts';

const t = useTenantStack({ gateways: 2 });

it('carries raw bytes unchanged to 2.0.0 clients on both gateways', async () => {
  const sender = client(t.port(0), t.tenant.externalId, t.key).channel('bin');
  const local = client(t.port(0), t.tenant.externalId, t.key).channel('bin');
  const remote = client(t.port(1), t.tenant.externalId, t.key).channel('bin');
  const v1 = client(t.port(1), t.tenant.externalId, t.key, { vsn: '1.0.0' }).channel('bin');
  const [atLocal, atRemote, atV1] = [collect<any>(local, 'blob'), collect<any>(remote, 'blob'), collect<any>(v1, '*')];
  await Promise.all([subscribed(sender), subscribed(local), subscribed(remote), subscribed(v1)]);

  const bytes = new Uint8Array(256).map((_, i) => i);
  expect(await sender.send({ type: 'broadcast', event: 'blob', payload: bytes.buffer })).toBe('ok');
  await sender.send({ type: 'broadcast', event: 'after', payload: { json: true } });
  await waitFor(() => expect(atRemote).toHaveLength(1));
  await waitFor(() => expect(atLocal).toHaveLength(1));
  for (const got of [atLocal[0], atRemote[0]]) {
    expect(got.payload).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(got.payload)]).toEqual([...bytes]);
  }
  // The JSON message sent after the binary one reaches the 1.0.0 client; the binary one never does.
  await waitFor(() => expect(atV1).toHaveLength(1));
  expect(atV1[0]).toMatchObject({ event: 'after', payload: { json: true } });
});
