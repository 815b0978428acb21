// What request.headers costs a private-channel read check (adapters/pg-channel-policies.ts), in
// one run on one Postgres: the check with no x- headers (the baseline: request.headers is '{}'),
// with a typical handful, and with the most a socket can carry (50 headers, 8 KB:
// core/base/x-headers.ts), each against a policy that parses request.headers.
//   npm run bench:policy-headers -- [checks=500]
import pg from 'pg';
import { print } from '@realtime/log';
import { startPostgres } from '@realtime/testing';
import { channelRead } from '../../services/gateway/src/adapters/pg-channel-policies.ts';
import { MAX_X_HEADER_BYTES, MAX_X_HEADERS, xHeaders } from '../../services/gateway/src/core/base/x-headers.ts';

const checks = Number(process.argv[2] ?? 500);
const server = await startPostgres();
try {
  const db = new pg.Client({ connectionString: await server.createDatabase('policy_headers_bench') });
  await db.connect();
  await db.query(`CREATE ROLE authenticated NOLOGIN`);
  await db.query(`CREATE SCHEMA realtime;
    CREATE TABLE realtime.messages (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), topic text NOT NULL, extension text NOT NULL, event text, private boolean);
    ALTER TABLE realtime.messages ENABLE ROW LEVEL SECURITY;
    GRANT USAGE ON SCHEMA realtime TO authenticated; GRANT SELECT, INSERT ON realtime.messages TO authenticated`);
  // Passes for every variant, so each check does the same work apart from the headers.
  await db.query(`CREATE POLICY p ON realtime.messages FOR SELECT TO authenticated
    USING (coalesce(current_setting('request.headers', true)::json ->> 'x-app-id', 'none') <> 'blocked')`);
  const claims = { role: 'authenticated', sub: 'u1' };
  const maxed = xHeaders(Object.fromEntries(Array.from({ length: MAX_X_HEADERS }, (_, i) => [`x-h${String(i).padStart(2, '0')}`, 'v'.repeat(MAX_X_HEADER_BYTES / MAX_X_HEADERS - 5)])));
  const variants: Array<[string, Record<string, string> | undefined]> = [
    ['no headers (baseline)', undefined],
    ['3 headers, ~100 B', { 'x-app-id': 'web', 'x-client-info': 'supabase-js/2.119.1', 'x-forwarded-for': '203.0.113.7' }],
    [`${Object.keys(maxed).length} headers, ${Object.entries(maxed).reduce((n, [k, v]) => n + k.length + v.length, 0)} B (the bound)`, maxed],
  ];
  const run = async (headers: Record<string, string> | undefined, n: number) => {
    const who = headers ? { role: 'authenticated', claims, headers } : { role: 'authenticated', claims };
    for (let i = 0; i < n; i++) if ((await channelRead(db, 'room', who, ['broadcast'])).size !== 1) throw new Error('policy refused');
  };
  for (const [, h] of variants) await run(h, 20); // warm-up
  print(`private-channel read check, ${checks} checks each, one connection`);
  for (const [name, h] of variants) {
    const t = performance.now();
    await run(h, checks);
    const ms = performance.now() - t;
    print(`  ${name.padEnd(34)} ${(ms / checks).toFixed(3)} ms/check  ${Math.round(checks / (ms / 1000))} checks/s`);
  }
  await db.end();
} finally {
  await server.stop();
}
