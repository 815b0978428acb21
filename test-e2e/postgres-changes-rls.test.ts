// RLS on Postgres Changes end to end: policies written for Supabase (auth.uid()) decide which
// rows reach which supabase-js client; `anon` without a policy sees none; column privileges strip
// columns; a DELETE reaches everyone subscribed but carries only the primary key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@realtime/testing';
import { client, token, useTenantStack } from './support/fixture.ts';
import { asChange, changesReady, tenantDb, type Change } from './support/changes.ts';
import { waitForSlotStreaming } from './support/cdc.ts';

const t = useTenantStack({ gateways: 2, ingestCdc: true });
let db: pg.Client;
const alice = randomUUID();
const bob = randomUUID();

beforeAll(async () => {
  db = await tenantDb(t.tenant.dbUrl);
  await db.query(`CREATE TABLE notes (id bigint PRIMARY KEY, owner uuid NOT NULL, body text, secret text)`);
  await db.query(`ALTER TABLE notes ENABLE ROW LEVEL SECURITY`);
  await db.query(`CREATE POLICY "own notes" ON notes FOR SELECT TO authenticated USING (owner = auth.uid())`);
  await db.query(`REVOKE SELECT ON notes FROM authenticated; GRANT SELECT (id, owner, body) ON notes TO authenticated`);
  await db.query(`ALTER PUBLICATION supabase_realtime ADD TABLE notes`);
  await waitForSlotStreaming(db);
}, 60_000);
afterAll(async () => {
  await db?.end();
});

async function subscriber(port: number, key: string, topic: string): Promise<Change[]> {
  const got: Change[] = [];
  const channel = client(port, t.tenant.externalId, key).channel(topic)
    .on('postgres_changes', { event: '*', schema: 'public', table: 'notes' }, (p) => void got.push(asChange(p)));
  await changesReady(channel);
  return got;
}

describe('postgres changes under RLS', () => {
  it('delivers each user only their rows, without the columns they may not select', async () => {
    const aliceKey = await token(t.tenant.jwtSecret, { role: 'authenticated', sub: alice });
    const bobKey = await token(t.tenant.jwtSecret, { role: 'authenticated', sub: bob });
    const [forAlice, forAlice2, forBob, forAnon] = await Promise.all([
      subscriber(t.port(0), aliceKey, 'notes-a'), subscriber(t.port(1), aliceKey, 'notes-a2'),
      subscriber(t.port(0), bobKey, 'notes-b'), subscriber(t.port(1), t.key, 'notes-anon'),
    ]);
    await db.query(`INSERT INTO notes VALUES (1, $1, 'alice 1', 's1'), (2, $2, 'bob 2', 's2'), (3, $1, 'alice 3', 's3')`, [alice, bob]);
    await db.query(`UPDATE notes SET body = 'bob 2b' WHERE id = 2`);
    await waitFor(() => expect(forBob).toHaveLength(2), { timeout: 20_000 });
    await waitFor(() => expect(forAlice).toHaveLength(2));
    await waitFor(() => expect(forAlice2).toHaveLength(2));

    expect(forAlice.map((c) => [c.eventType, c.new.id])).toEqual([['INSERT', 1], ['INSERT', 3]]);
    expect(forAlice[0]!.new).toEqual({ id: 1, owner: alice, body: 'alice 1' }); // no `secret`
    expect(forBob.map((c) => [c.eventType, c.new.id])).toEqual([['INSERT', 2], ['UPDATE', 2]]);

    await db.query(`DELETE FROM notes WHERE id = 2`);
    await waitFor(() => expect(forAlice).toHaveLength(3), { timeout: 20_000 });
    expect(forAlice[2]).toMatchObject({ eventType: 'DELETE', old: { id: 2 } }); // DELETE is not RLS-checked: key only
    await waitFor(() => expect(forAnon).toHaveLength(1));
    // anon has no policy: no INSERT or UPDATE ever reaches it, only the key of the DELETE (as in Supabase).
    expect(forAnon.map((c) => [c.eventType, c.old])).toEqual([['DELETE', { id: 2 }]]);
  });
});
