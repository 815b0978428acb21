// The Inspector (libs/inspector), served by a gateway with GATEWAY_INSPECTOR=true, in a real
// Chromium: its channel view joins with the official realtime-js bundled into the page and shows
// what supabase-js clients in Node and the tenant database do, and the client's join errors; its
// cluster view lists both gateways (and slots, presence members) from tenant-admin's
// GET /api/cluster. Each test leaves a screenshot in .cache/screenshots/; a script error on the
// page fails the test.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { Page } from 'playwright-core';
import { waitFor } from '@realtime/testing';
import { adminToken, client, collect, subscribed, token, useTenantStack } from './support/fixture.ts';
import { presenceChannel } from './support/presence.ts';
import { tenantDb } from './support/changes.ts';
import { waitForSlotStreaming } from './support/cdc.ts';
import { launchBrowser, screenshot, type Browser } from './support/browser.ts';

const t = useTenantStack({ gateways: 2, ingestCdc: true, presence: true, gatewayEnv: { GATEWAY_INSPECTOR: 'true' } });
let browser: Browser;
let db: pg.Client;
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  db = await tenantDb(t.tenant.dbUrl);
  await db.query('CREATE TABLE todos (id bigint PRIMARY KEY, title text)');
  await db.query('ALTER PUBLICATION supabase_realtime ADD TABLE todos');
  await waitForSlotStreaming(db);
}, 90_000);
afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});
afterAll(async () => {
  await browser?.close();
  await db?.end();
});

/** Opens the Inspector on gateway 0 and asks to join `channel` with `jwt` (the tenant's anon key by default). */
async function openAndJoin(channel: string, listen: { changes?: { table: string }; private?: boolean } = {}, jwt = t.key): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('pageerror', (err) => void pageErrors.push(String(err)));
  await page.goto(`http://localhost:${t.port(0)}/inspector/new`);
  await page.getByLabel('Tenant', { exact: true }).fill(t.tenant.externalId);
  await page.getByLabel('Token (JWT)').fill(jwt);
  if (listen.private) await page.getByLabel('Private (RLS on realtime.messages)').check();
  await page.getByLabel('Name', { exact: true }).fill(channel);
  if (listen.changes) {
    await page.getByLabel('Postgres Changes').check();
    await page.getByLabel('table', { exact: true }).fill(listen.changes.table);
  }
  await page.getByRole('button', { name: 'Join' }).click();
  return page;
}

async function joinInPage(channel: string, listen: { changes?: { table: string } } = {}): Promise<Page> {
  const page = await openAndJoin(channel, listen);
  await page.locator('#channel-status', { hasText: 'SUBSCRIBED' }).waitFor({ timeout: 20_000 });
  return page;
}

const logRow = (page: Page, ...texts: string[]) => texts.reduce((rows, text) => rows.filter({ hasText: text }), page.locator('#log tbody tr'));

describe('Inspector', () => {
  it('joins a channel, shows a broadcast from supabase-js in Node and sends one back', async () => {
    const page = await joinInPage('room-broadcast');
    const node = client(t.port(1), t.tenant.externalId, t.key).channel('room-broadcast', { config: { broadcast: { ack: true } } });
    const replies = collect<{ payload: unknown }>(node, 'reply');
    await subscribed(node);

    expect(await node.send({ type: 'broadcast', event: 'greeting', payload: { text: 'hello from node' } })).toBe('ok');
    await logRow(page, 'broadcast', 'greeting', 'hello from node').waitFor({ timeout: 15_000 });

    const send = page.locator('#send-form');
    await send.getByLabel('Event').fill('reply');
    await send.getByLabel('Payload').fill('{"text": "hello from the page"}');
    await send.getByRole('button', { name: 'Send' }).click();
    await waitFor(() => expect(replies.map((r) => r.payload)).toEqual([{ text: 'hello from the page' }]));

    await page.getByLabel('Filter', { exact: true }).fill('greeting'); // the filter hides the rest of the log
    await waitFor(async () => expect(await page.locator('#log tbody tr:visible').count()).toBe(1));
    await page.getByLabel('Filter', { exact: true }).fill('');
    await screenshot(page, 'inspector-broadcast');
    await page.close();
  });

  it('shows a row inserted in the tenant database as a Postgres Change', async () => {
    const page = await joinInPage('room-changes', { changes: { table: 'todos' } });
    await logRow(page, 'system', 'Subscribed to PostgreSQL').waitFor({ timeout: 20_000 });
    await db.query(`INSERT INTO todos (id, title) VALUES (1, 'seen in the browser')`);
    await logRow(page, 'postgres_changes', 'INSERT', 'seen in the browser').waitFor({ timeout: 20_000 });
    await screenshot(page, 'inspector-postgres-changes');
    await page.close();
  });

  it('shows two presence members in a table that drops the one who leaves', async () => {
    const page = await joinInPage('room-presence');
    const alice = await presenceChannel(t.port(0), t.tenant.externalId, t.key, 'room-presence', 'alice');
    const bob = await presenceChannel(t.port(1), t.tenant.externalId, t.key, 'room-presence', 'bob');
    expect(await alice.track({ status: 'online' })).toBe('ok');
    expect(await bob.track({ status: 'away' })).toBe('ok');
    const members = page.locator('#presence-table tbody tr');
    await waitFor(async () => expect(await members.allTextContents()).toEqual([
      expect.stringContaining('alice'), expect.stringContaining('bob'),
    ].sort()), { timeout: 15_000 });
    await expect.poll(() => page.locator('#presence-count').textContent()).toBe('2');
    await screenshot(page, 'inspector-presence-two');

    expect(await bob.untrack()).toBe('ok');
    await waitFor(async () => expect(await members.allTextContents()).toEqual([expect.stringContaining('alice')]), { timeout: 15_000 });
    await logRow(page, 'presence', 'leave', 'bob').waitFor();
    await screenshot(page, 'inspector-presence-one');
    await page.close();
  });

  it('shows the join error of a private channel the anon role has no policy for', async () => {
    const page = await openAndJoin('room-private', { private: true });
    await page.locator('#channel-status.error', { hasText: 'CHANNEL_ERROR' }).waitFor({ timeout: 20_000 });
    await logRow(page, 'error', 'CHANNEL_ERROR', 'Unauthorized: You do not have permissions to read from this Channel topic').waitFor();
    await screenshot(page, 'inspector-join-error');
    await page.close();
  });

  it('says where to look when the connection itself is refused (a token of another secret)', async () => {
    const page = await openAndJoin('room-refused', {}, await token('not-the-tenant-secret-at-all-0123456789'));
    await page.locator('#channel-status.error', { hasText: 'the connection was refused or lost' }).waitFor({ timeout: 20_000 });
    await logRow(page, 'error', 'CHANNEL_ERROR').waitFor();
    await page.close();
  });

  it('lists both gateways in the cluster view', async () => {
    // Gateways report usage only for tenants with joined sockets: one channel on each, one tracking presence.
    const page = await joinInPage('room-cluster');
    const member = await presenceChannel(t.port(1), t.tenant.externalId, t.key, 'room-cluster', 'carol');
    expect(await member.track({ status: 'here' })).toBe('ok');
    await page.getByRole('link', { name: 'Cluster' }).click();
    await page.getByLabel('tenant-admin URL').fill(t.stack.admin.url);
    await page.getByLabel('Admin token').fill('not-a-token'); // refused: the page says so
    await page.getByRole('button', { name: 'Watch' }).click();
    await page.locator('#cluster-status.error', { hasText: '403' }).waitFor({ timeout: 10_000 });
    await page.getByLabel('Admin token').fill(await adminToken(t.stack));
    await page.getByRole('button', { name: 'Watch' }).click();

    const gateways = page.locator('table', { has: page.locator('caption', { hasText: /^Gateways$/ }) }).locator('tbody tr');
    await waitFor(async () => expect((await gateways.allTextContents()).map((r) => r.split(/\s/)[0]).join(' '))
      .toMatch(/-gw0\S*.*-gw1/), { timeout: 20_000 });
    const tenants = page.locator('table', { has: page.locator('caption', { hasText: /^Tenants$/ }) }).locator('tbody tr');
    await expect.poll(() => tenants.allTextContents()).toEqual([expect.stringContaining(t.tenant.externalId)]);
    const tableRow = (caption: string) => page.locator('table', { has: page.locator('caption', { hasText: caption }) }).locator('tbody tr', { hasText: t.tenant.externalId });
    await tableRow('Replication slots').filter({ hasText: 'supabase_realtime_replication_slot' }).waitFor();
    await tableRow('Presence members').waitFor();
    await screenshot(page, 'inspector-cluster');
    await page.close();
  });
});
