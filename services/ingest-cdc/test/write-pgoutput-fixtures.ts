// Captures the pgoutput bytes of pgoutput-scenarios.ts from a real Postgres (wal_level=logical):
// a fresh database, a pgoutput slot, then per scenario its SQL and
// pg_logical_slot_get_binary_changes (same bytes as peek, but consumed, so scenarios stay apart).
// pgoutput-fixtures.int.test.ts runs it; with WRITE_FIXTURES=1 it also rewrites test/fixtures:
//   <scenario>.hex            one message per line, hex
//   <scenario>.expected.json  rows of the scenario's expectedQuery (to_jsonb text), when it has one
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { scenarios, setupSql } from './pgoutput-scenarios.ts';

export interface CapturedScenario {
  name: string;
  messages: Buffer[];
  expected: string[] | null;
}

export const fixtureDir = new URL('./fixtures/', import.meta.url);
const origin = 'fixture_origin';

async function withClient<T>(url: string, body: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

/** `adminUrl`: a superuser connection; a database is created for the capture and dropped after. */
export async function captureFixtures(adminUrl: string): Promise<CapturedScenario[]> {
  const db = `fixtures_${randomBytes(6).toString('hex')}`;
  const slot = `${db}_slot`;
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${db}`;
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${db}`));
  try {
    return await withClient(dbUrl.toString(), async (c) => {
      for (const sql of setupSql) await c.query(sql);
      await c.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
      await c.query(`SELECT pg_replication_origin_drop($1) FROM pg_replication_origin WHERE roname = $1`, [origin]);
      await c.query(`SELECT pg_replication_origin_create($1)`, [origin]);
      try {
        const captured: CapturedScenario[] = [];
        for (const scenario of scenarios) {
          await c.query(`SET TimeZone = '${scenario.timeZone ?? 'UTC'}'`);
          await c.query(`SET DateStyle = 'ISO, MDY'`);
          await c.query(`SET synchronous_commit = on`); // the SQL interface decodes flushed WAL only
          for (const sql of scenario.sql) await c.query(sql);
          const { rows } = await c.query<{ data: Buffer }>(
            `SELECT data FROM pg_logical_slot_get_binary_changes($1, NULL, NULL,
               'proto_version', '1', 'publication_names', 'pub', 'messages', 'true')`,
            [slot],
          );
          const expected = scenario.expectedQuery ? (await c.query({ text: scenario.expectedQuery, rowMode: 'array' })).rows.map((r) => String(r[0])) : null;
          captured.push({ name: scenario.name, messages: rows.map((r) => r.data), expected });
        }
        return captured;
      } finally {
        await c.query(`SELECT pg_drop_replication_slot($1)`, [slot]);
        await c.query(`SELECT pg_replication_origin_drop($1)`, [origin]);
      }
    });
  } finally {
    await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
  }
}

export function writeFixtures(captured: CapturedScenario[]): void {
  for (const s of captured) {
    writeFileSync(new URL(`${s.name}.hex`, fixtureDir), s.messages.map((m) => m.toString('hex')).join('\n') + '\n');
    if (s.expected) writeFileSync(new URL(`${s.name}.expected.json`, fixtureDir), JSON.stringify(s.expected, null, 1) + '\n');
  }
}
