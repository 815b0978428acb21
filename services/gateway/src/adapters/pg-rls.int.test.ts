import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { uniqueName } from '@realtime/testing';
import { selectableColumns, visibleKeys, visibleKeysForEach } from './pg-rls.ts';

let db: pg.Client;
let dbUrl: string;
const alice = randomUUID();
const bob = randomUUID();

beforeAll(async () => {
  const infra = inject('infra');
  const name = uniqueName('rls');
  const admin = new pg.Client({ connectionString: infra.pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  dbUrl = infra.pgUrl.replace(/\/postgres$/, `/${name}`);
  db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  await db.query(`DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN; END IF; END $$`);
  await db.query(`CREATE TABLE notes (id int PRIMARY KEY, owner uuid, body text, secret text)`);
  await db.query(`CREATE TABLE pairs (a int, b text, owner uuid, PRIMARY KEY (a, b))`);
  await db.query(`ALTER TABLE notes ENABLE ROW LEVEL SECURITY; ALTER TABLE pairs ENABLE ROW LEVEL SECURITY`);
  const policy = `owner = nullif(current_setting('request.jwt.claims', true)::jsonb->>'sub', '')::uuid`;
  await db.query(`CREATE POLICY own ON notes FOR SELECT TO authenticated USING (${policy})`);
  await db.query(`CREATE POLICY own ON pairs FOR SELECT TO authenticated USING (${policy})`);
  await db.query(`GRANT SELECT (id, owner, body) ON notes TO authenticated; GRANT SELECT ON pairs TO authenticated`);
  await db.query(`INSERT INTO notes SELECT i, CASE WHEN i % 2 = 0 THEN '${alice}'::uuid ELSE '${bob}'::uuid END, 'n' || i, 's' FROM generate_series(1, 10) i`);
  await db.query(`CREATE TABLE prices (p numeric PRIMARY KEY); INSERT INTO prices VALUES (9.50); GRANT SELECT ON prices TO anon`);
  await db.query(`INSERT INTO pairs VALUES (1, 'x', '${alice}'), (1, 'y', '${bob}')`);
});
afterAll(async () => {
  await db?.end();
});

describe('RLS batch check', () => {
  const notes = { schema: 'public', table: 'notes', pk: [{ name: 'id', type: 'int4' }], keys: Array.from({ length: 10 }, (_, i) => [String(i + 1)]) };

  it('returns exactly the rows each identity may see, in one query for the whole batch', async () => {
    const forAlice = await visibleKeys(db, notes, { role: 'authenticated', claims: { sub: alice, role: 'authenticated' } });
    const forBob = await visibleKeys(db, notes, { role: 'authenticated', claims: { sub: bob, role: 'authenticated' } });
    expect([...forAlice].sort((a, b) => a - b)).toEqual([1, 3, 5, 7, 9]); // indexes of ids 2, 4, …
    expect([...forBob].sort((a, b) => a - b)).toEqual([0, 2, 4, 6, 8]);
    expect(await visibleKeys(db, notes, { role: 'anon', claims: { role: 'anon' } })).toEqual(new Set());
  });

  it('matches keys by value, not by text form', async () => {
    const prices = { schema: 'public', table: 'prices', pk: [{ name: 'p', type: 'numeric' }], keys: [['9.5'], ['1']] };
    expect(await visibleKeys(db, prices, { role: 'anon', claims: { role: 'anon' } })).toEqual(new Set([0]));
  });

  it('handles composite primary keys', async () => {
    const pairs = { schema: 'public', table: 'pairs', pk: [{ name: 'a', type: 'int4' }, { name: 'b', type: 'text' }], keys: [['1', 'x'], ['1', 'y']] };
    expect(await visibleKeys(db, pairs, { role: 'authenticated', claims: { sub: alice } })).toEqual(new Set([0]));
  });

  it('leaves the session as it found it and refuses unknown roles', async () => {
    expect((await db.query('SELECT current_user AS u')).rows[0].u).toBe('postgres');
    await expect(visibleKeys(db, notes, { role: 'no_such_role', claims: {} })).rejects.toThrow();
    expect((await db.query('SELECT current_user AS u')).rows[0].u).toBe('postgres');
  });

  it('checks many identities in one round trip, with the same answers as one by one', async () => {
    const who = [
      { role: 'authenticated', claims: { sub: alice, role: 'authenticated' } },
      { role: 'authenticated', claims: { sub: bob, role: 'authenticated', note: "it's" } }, // quotes survive the literals
      { role: 'authenticated', claims: { role: 'authenticated' } },
    ];
    const many = await visibleKeysForEach(db, notes, who);
    const single = [];
    for (const w of who) single.push(await visibleKeys(db, notes, w)); // one connection: one transaction at a time
    expect(many).toEqual(single);
    expect([...many[0]!].sort((a, b) => a - b)).toEqual([1, 3, 5, 7, 9]);
    expect((await db.query('SELECT current_user AS u')).rows[0].u).toBe('postgres');
  });

  it('switches roles between identities, and quotes its block whatever the table is called', async () => {
    // the DO block's quote tag must not end early on a tenant's table name
    await db.query(`CREATE TABLE "odd$q$name" (id int PRIMARY KEY, owner uuid); ALTER TABLE "odd$q$name" ENABLE ROW LEVEL SECURITY;
      CREATE POLICY own ON "odd$q$name" FOR SELECT TO authenticated USING (owner = nullif(current_setting('request.jwt.claims', true)::jsonb->>'sub', '')::uuid);
      CREATE POLICY everyone ON "odd$q$name" FOR SELECT TO anon USING (true);
      GRANT SELECT ON "odd$q$name" TO authenticated, anon;
      INSERT INTO "odd$q$name" VALUES (1, '${alice}'), (2, '${bob}')`);
    const odd = { schema: 'public', table: 'odd$q$name', pk: [{ name: 'id', type: 'integer' }], keys: [['1'], ['2'], ['3']] };
    const who = [
      { role: 'authenticated', claims: { sub: alice } },
      { role: 'anon', claims: { role: 'anon' } },
      { role: 'authenticated', claims: { sub: bob } },
      { role: 'authenticated', claims: { sub: randomUUID() } },
    ];
    expect(await visibleKeysForEach(db, odd, who)).toEqual([new Set([0]), new Set([0, 1]), new Set([1]), new Set()]);
    expect((await db.query('SELECT current_user AS u')).rows[0].u).toBe('postgres');
  });

  it('fails as a whole for a role that may not read the table, leaving the session clean', async () => {
    await expect(visibleKeysForEach(db, notes, [{ role: 'no_such_role', claims: {} }])).rejects.toThrow();
    expect((await db.query('SELECT current_user AS u, current_setting($1, true) AS k', ['realtime.rls_keys'])).rows[0]).toEqual({ u: 'postgres', k: '' });
  });

  it('lists the columns a role may select', async () => {
    expect([...(await selectableColumns(db, 'public', 'notes', 'authenticated'))].sort()).toEqual(['body', 'id', 'owner']);
  });
});

describe('a change whose transaction is not visible yet', () => {
  // Logical decoding can pass a commit on before the committing backend is out of the running
  // transactions: the check must wait for it instead of finding no row.
  async function pending(id: number): Promise<{ xid: number; commit(): Promise<void> }> {
    const writer = new pg.Client({ connectionString: dbUrl });
    await writer.connect();
    await writer.query('BEGIN');
    await writer.query(`INSERT INTO notes VALUES ($1, $2, 'late', 's')`, [id, alice]);
    const { rows } = await writer.query('SELECT txid_current()::text AS x');
    const xid = Number(BigInt(rows[0].x) & 0xffffffffn); // what the WAL carries
    return { xid, commit: async () => void (await writer.query('COMMIT'), await writer.end()) };
  }
  const aliceWho = { role: 'authenticated', claims: { sub: alice, role: 'authenticated' } };

  it('waits until it is visible, then finds the row (one identity and many)', async () => {
    const first = await pending(101);
    const one = visibleKeys(db, { ...notes(['101']), xids: [first.xid] }, aliceWho);
    setTimeout(() => void first.commit(), 300);
    expect(await one).toEqual(new Set([0]));

    const checker = new pg.Client({ connectionString: dbUrl });
    await checker.connect();
    const second = await pending(102);
    const many = visibleKeysForEach(checker, { ...notes(['102']), xids: [second.xid] }, [aliceWho, { role: 'authenticated', claims: { sub: bob } }]);
    setTimeout(() => void second.commit(), 300);
    expect(await many).toEqual([new Set([0]), new Set()]);
    await checker.end();
  });
});

function notes(ids: string[]) {
  return { schema: 'public', table: 'notes', pk: [{ name: 'id', type: 'int4' }], keys: ids.map((id) => [id]) };
}
