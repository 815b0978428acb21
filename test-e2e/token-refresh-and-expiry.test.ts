// Channel tokens (docs/PROTOCOL.md §3.6): an expiring token shuts the channel down with the reference's
// message; a refreshed token keeps it alive; a bad refresh shuts it down.
import { expect, it } from 'vitest';
import { waitFor } from '@realtime/testing';
import { client, collect, subscribed, token, useTenantStack } from './support/fixture.ts';

const t = useTenantStack({ gateways: 1 });

const inSeconds = (s: number) => Math.floor(Date.now() / 1000) + s;

function systemMessages(channel: ReturnType<ReturnType<typeof client>['channel']>) {
  const seen: any[] = [];
  channel.on('system', {}, (m) => void seen.push(m));
  return seen;
}

it('shuts the channel down when its token expires', async () => {
  const c = client(t.port(), t.tenant.externalId, await token(t.tenant.jwtSecret, { role: 'anon' }, inSeconds(2)));
  const channel = c.channel('expiring');
  const system = systemMessages(channel);
  await subscribed(channel);
  await waitFor(() => expect(system).toContainEqual(expect.objectContaining({ status: 'error', message: expect.stringMatching(/^Token has expired \d+ seconds ago$/) })), { timeout: 8000 });
  await waitFor(() => expect(channel.state).toBe('closed'));
});

it('keeps the channel when the token is refreshed before expiry', async () => {
  const c = client(t.port(), t.tenant.externalId, await token(t.tenant.jwtSecret, { role: 'anon' }, inSeconds(2)));
  const channel = c.channel('refreshed');
  const system = systemMessages(channel);
  const got = collect(channel, 'still-here');
  await subscribed(channel);
  await c.realtime.setAuth(await token(t.tenant.jwtSecret, { role: 'anon' }, '1h'));
  await new Promise((r) => setTimeout(r, 3500));
  expect(system.filter((m) => m.status === 'error')).toEqual([]);
  const peer = client(t.port(), t.tenant.externalId, await token(t.tenant.jwtSecret)).channel('refreshed');
  await subscribed(peer);
  await peer.send({ type: 'broadcast', event: 'still-here', payload: {} });
  await waitFor(() => expect(got).toHaveLength(1));
  expect(channel.state).toBe('joined');
});

it('shuts the channel down on a refresh with a bad token', async () => {
  const c = client(t.port(), t.tenant.externalId, await token(t.tenant.jwtSecret));
  const channel = c.channel('bad-refresh');
  const system = systemMessages(channel);
  await subscribed(channel);
  await c.realtime.setAuth(await token(t.tenant.jwtSecret, { sub: 'no-role' }));
  await waitFor(() => expect(system).toContainEqual(expect.objectContaining({ status: 'error', message: 'Fields `role` and `exp` are required in JWT' })));
  await waitFor(() => expect(channel.state).toBe('closed'));
});
