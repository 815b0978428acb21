// The RLS check the gateway runs (adapters/pg-rls.ts) against the reference's approach, in one
// run on one Postgres: N changed rows checked for one identity as one batched query, versus one
// query per row (what the reference does per subscriber per change). Prints checks/s for both.
//   npm run bench:rls -- [rows=2000]
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { print } from '@realtime/log';
import { startPostgres } from '@realtime/testing';
import { visibleKeys } from '../../services/gateway/src/adapters/pg-rls.ts';

const rows = Number(process.argv[2] ?? 2000);
const server = await startPostgres();
try {
  const db = new pg.Client({ connectionString: await server.createDatabase('rls_bench') });
  await db.connect();
  const me = randomUUID();
  await db.query(`CREATE ROLE authenticated NOLOGIN`);
  await db.query(`CREATE TABLE notes (id int PRIMARY KEY, owner uuid, body text)`);
  await db.query(`ALTER TABLE notes ENABLE ROW LEVEL SECURITY`);
  await db.query(`CREATE POLICY own ON notes FOR SELECT TO authenticated USING (owner = (current_setting('request.jwt.claims', true)::jsonb->>'sub')::uuid)`);
  await db.query(`GRANT SELECT ON notes TO authenticated`);
  await db.query(`INSERT INTO notes SELECT i, CASE WHEN i % 2 = 0 THEN $1::uuid ELSE gen_random_uuid() END, 'n' FROM generate_series(1, $2::int) i`, [me, rows]);
  const who = { role: 'authenticated', claims: { sub: me, role: 'authenticated' } };
  const keys = Array.from({ length: rows }, (_, i) => [String(i + 1)]);
  const batch = (k: string[][]) => visibleKeys(db, { schema: 'public', table: 'notes', pk: [{ name: 'id', type: 'int4' }], keys: k }, who);

  await batch(keys.slice(0, 100)); // warm-up
  let t = performance.now();
  const seen = await batch(keys);
  const batched = performance.now() - t;
  t = performance.now();
  let perRowSeen = 0;
  for (const k of keys) perRowSeen += (await batch([k])).size;
  const perRow = performance.now() - t;
  if (seen.size !== perRowSeen) throw new Error(`results differ: ${seen.size} vs ${perRowSeen}`);
  print(`RLS check of ${rows} changed rows for one identity (${seen.size} visible)`);
  print(`  one batched query (ours)          ${batched.toFixed(1)} ms  ${Math.round(rows / (batched / 1000))} row checks/s`);
  print(`  one query per row (reference way) ${perRow.toFixed(1)} ms  ${Math.round(rows / (perRow / 1000))} row checks/s`);
  await db.end();
} finally {
  await server.stop();
}
