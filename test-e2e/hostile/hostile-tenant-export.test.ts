// Hostile: `realtime tenants import` is handed an export that someone tampered with or that is
// simply broken: secrets under the wrong key, limits and ids the API refuses ("../" in an id, a
// negative limit), a 1 MB name, entries that are not objects, and a 65 MB file. Each bad tenant is
// refused with a clear one-line reason while the good ones in the same file are imported; a file
// too large is refused before it is read; nothing half-made is left in the control database; and
// a tenant already served keeps being served throughout (/api/ping within a second, a broadcast
// between two gateways), with tenant-admin's memory bounded.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { waitForTenant, type Stack } from '@realtime/testing/stack';
import { legacyEncrypt } from '../support/legacy-secret.ts';
import { adminToken, closeClients, createTenant, startE2eStack, type TenantInfo } from '../support/fixture.ts';
import { broadcastCrossesGateways, idleWorstPing, pingLoop, rssMb } from './support.ts';

const root = join(import.meta.dirname, '../..');
const legacyKey = Buffer.from('0123456789abcdef');
const ecb = (text: string, key = legacyKey) => legacyEncrypt(text, key);
const row = (externalId: string, fields: Record<string, unknown> = {}) => ({
  id: crypto.randomUUID(), external_id: externalId, name: externalId, jwt_secret: ecb(`secret-of-${externalId}-0123456789abcdef`),
  max_concurrent_users: 200, migrations_ran: 63, inserted_at: '2025-01-01T00:00:00', updated_at: '2025-01-01T00:00:00', ...fields,
});

function importFile(file: string, flags: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [join(root, 'scripts/node'), join(root, 'scripts/realtime.ts'), 'tenants', 'import', file, '--legacy-key', legacyKey.toString(), ...flags],
      { cwd: root, timeout: 60_000, maxBuffer: 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
  });
}

let stack: Stack;
let healthy: TenantInfo;
beforeAll(async () => {
  stack = await startE2eStack({ gateways: 2 });
  healthy = await createTenant(stack);
}, 120_000);
afterAll(async () => {
  await closeClients();
  await stack?.stop();
});

it('refuses each bad tenant with a reason, imports the good ones, and keeps everyone else served', async () => {
  const allowance = await idleWorstPing(stack.gateways[0]!.port, healthy.externalId);
  const adminRssBefore = rssMb(stack.admin.child.pid!);
  const pings = pingLoop(stack.gateways[0]!.port, healthy.externalId);
  const dir = mkdtempSync(join(tmpdir(), 'hostile-import-'));
  const flags = ['--url', stack.admin.url, '--admin-token', await adminToken(stack)];
  const tag = randomBytes(3).toString('hex');
  const good = `good${tag}`;
  const bad = {
    wrongKey: `wrongkey${tag}`,
    negative: `negative${tag}`,
    hugeName: `hugename${tag}`,
  };

  const file = join(dir, 'tenants.json');
  writeFileSync(file, JSON.stringify([
    row(bad.wrongKey, { jwt_secret: ecb('x'.repeat(40), randomBytes(16)) }),
    row('../../api/tenants'),
    row(bad.negative, { max_concurrent_users: -1 }),
    row(bad.hugeName, { name: 'n'.repeat(1024 * 1024) }),
    row(good),
  ]));
  const run = await importFile(file, flags);
  const lines = run.stdout.trim().split('\n');
  process.stdout.write(`[hostile:import]\n${lines.map((l) => `  ${l.slice(0, 140)}`).join('\n')}\n`);
  expect(lines).toHaveLength(5);
  expect(lines[0]).toMatch(new RegExp(`^${bad.wrongKey} failed: legacy value failed to decrypt`));
  expect(lines[1]).toMatch(/^\.\.\/\.\.\/api\/tenants failed: 4\d\d /);
  expect(lines[2]).toMatch(new RegExp(`^${bad.negative} failed: 422 .*max_concurrent_users`));
  expect(lines[3]).toMatch(new RegExp(`^${bad.hugeName} failed: 4\\d\\d`));
  expect(lines[3]!.length).toBeLessThan(2200); // the server's answer is echoed, capped
  expect(lines[4]).toBe(`${good} created`);
  expect(run.code).toBe(1);

  // Not objects at all, and a file far beyond any real export: refused whole, before any request.
  writeFileSync(join(dir, 'scalars.json'), '[1, "two", null]');
  expect(await importFile(join(dir, 'scalars.json'), flags)).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/JSON object/) });
  writeFileSync(join(dir, 'huge.json'), Buffer.alloc(65 * 1024 * 1024, 0x20));
  expect(await importFile(join(dir, 'huge.json'), flags)).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/more than the \d+ an export can be/) });

  // Nothing of the refused tenants was stored; the good one is served.
  const control = new pg.Client({ connectionString: stack.controlDbUrl });
  await control.connect();
  try {
    const stored = (await control.query(`select external_id from _realtime.tenants where external_id like $1`, [`%${tag}`])).rows.map((r) => r.external_id);
    expect(stored).toEqual([good]);
  } finally {
    await control.end();
  }
  await waitForTenant(stack, good);

  // Everyone else is still served, and tenant-admin did not balloon on the 1 MB name.
  const worst = Math.max(...(await pings.stop()));
  expect(worst).toBeLessThan(allowance + 1000);
  await broadcastCrossesGateways(stack, healthy.externalId, healthy.jwtSecret);
  const adminRssAfter = rssMb(stack.admin.child.pid!);
  process.stdout.write(`[hostile:import] worst /api/ping ${worst.toFixed(0)} ms (idle worst ${allowance.toFixed(0)} ms); tenant-admin RSS ${adminRssBefore.toFixed(0)} → ${adminRssAfter.toFixed(0)} MB\n`);
  expect(adminRssAfter - adminRssBefore).toBeLessThan(100);
});
