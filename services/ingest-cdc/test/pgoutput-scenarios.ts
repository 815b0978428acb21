// The SQL behind the pgoutput byte fixtures in ./fixtures (see write-pgoutput-fixtures.ts).
// Scenarios run one after another on the same database and slot, and each one's messages are read
// (and consumed) on their own, so every fixture file is a new decoding session that starts with
// its own Relation messages.

export const setupSql = [
  `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`,
  `CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int)`,
  `CREATE TABLE pairs (a int, b text, v text, PRIMARY KEY (a, b))`,
  `CREATE TABLE fulls (id int PRIMARY KEY, note text, n int)`,
  `ALTER TABLE fulls REPLICA IDENTITY FULL`,
  // STORAGE EXTERNAL: stored out of line uncompressed, so 4,800 bytes are surely TOASTed.
  `CREATE TABLE docs (id int PRIMARY KEY, title text, body text)`,
  `ALTER TABLE docs ALTER body SET STORAGE EXTERNAL`,
  `CREATE TABLE docs_full (id int PRIMARY KEY, title text, body text)`,
  `ALTER TABLE docs_full ALTER body SET STORAGE EXTERNAL, REPLICA IDENTITY FULL`,
  `CREATE TABLE serials (id serial PRIMARY KEY, x text)`,
  `CREATE TABLE kinds (id int PRIMARY KEY, b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
     num numeric, t text, u uuid, jb jsonb, j json, ts timestamptz, tsn timestamp, d date, bin bytea,
     ta text[], ia int4[], m mood)`,
  `CREATE PUBLICATION pub FOR ALL TABLES`,
];

export const bigText = (seed: string) => `(SELECT string_agg(md5('${seed}' || i), '') FROM generate_series(1, 150) i)`;

export interface Scenario {
  name: string;
  /** Each entry is one statement, i.e. one transaction unless it is a BEGIN … COMMIT block. */
  sql: string[];
  timeZone?: string;
  /** Rows of this query (one text column) are stored as <name>.expected.json. */
  expectedQuery?: string;
}

export const scenarios: Scenario[] = [
  {
    name: 'crud', // four transactions; one Relation message serves them all
    sql: [
      `INSERT INTO items VALUES (1, 'apple', 3), (2, 'pear', NULL)`,
      `UPDATE items SET qty = 5 WHERE id = 1`,
      `UPDATE items SET id = 10 WHERE id = 2`,
      `DELETE FROM items WHERE id = 10`,
    ],
  },
  {
    name: 'composite-pk',
    sql: [
      `INSERT INTO pairs VALUES (1, 'x', 'v1')`,
      `UPDATE pairs SET v = 'v2' WHERE a = 1`,
      `UPDATE pairs SET b = 'y' WHERE a = 1`,
      `DELETE FROM pairs WHERE a = 1`,
    ],
  },
  {
    name: 'replica-full',
    sql: [`INSERT INTO fulls VALUES (1, 'first', 7)`, `UPDATE fulls SET n = 8 WHERE id = 1`, `DELETE FROM fulls WHERE id = 1`],
  },
  {
    name: 'toast',
    sql: [
      `INSERT INTO docs VALUES (1, 't1', ${bigText('a')})`,
      `UPDATE docs SET title = 't2' WHERE id = 1`,
      `INSERT INTO docs_full VALUES (1, 't1', ${bigText('b')})`,
      `UPDATE docs_full SET title = 't2' WHERE id = 1`,
      `DELETE FROM docs WHERE id = 1`,
    ],
  },
  {
    name: 'truncate',
    sql: [
      `INSERT INTO items VALUES (3, 'kiwi', 1)`,
      `TRUNCATE items, pairs`,
      `TRUNCATE serials RESTART IDENTITY CASCADE`,
    ],
  },
  {
    name: 'multi-statement', // the rolled-back transaction leaves nothing in the stream
    sql: [
      `BEGIN; INSERT INTO items VALUES (99, 'never', 0); ROLLBACK`,
      `BEGIN;
       INSERT INTO items VALUES (20, 'fig', 1);
       INSERT INTO pairs VALUES (2, 'z', 'q');
       UPDATE items SET qty = 2 WHERE id = 20;
       DELETE FROM pairs WHERE a = 2;
       INSERT INTO fulls VALUES (2, 'second', NULL);
       COMMIT`,
    ],
  },
  {
    name: 'types', // Asia/Kolkata: offsets with minutes (+05:30) and seconds (LMT +05:53:28)
    timeZone: 'Asia/Kolkata',
    sql: [
      `INSERT INTO kinds VALUES (1, true, 32767, -2147483648, 9223372036854775807, 1.5, 3.14159,
         12345678901234567890.000100, E'he said "hi"\\n\\ttab \u00fcn\u00ef \\\\ /', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
         '{"b": [1, 2.50, {"c": null}], "a": "x", "aa": 1e3}', '{ "z": 1,  "a" : [true, false, 1.0E-2] }',
         '2026-08-21 12:34:56.789+00', '2026-08-21 12:34:56.789', '2026-08-21', '\\x00ff10',
         ARRAY['a', 'b c', '"q"', 'back\\slash', NULL, '', 'NULL', '{x}'], '{1,2,NULL,-3}', 'happy')`,
      `INSERT INTO kinds (id) VALUES (2)`,
      `INSERT INTO kinds VALUES (3, false, -1, 0, -9223372036854775808, '-Infinity', 'NaN', 'NaN', '', NULL,
         '"str"', 'null', '1900-01-01 00:00:00+00', 'infinity', '-infinity', '', '{}', '{{1,2},{3,4}}', 'sad')`,
      `INSERT INTO kinds (id, f4, f8, num, ts, tsn, d) VALUES (4, 1e-7, 1.5e+20, 0.000000001,
         '0044-03-15 12:00:00+00 BC', '2026-01-02 03:04:05', '0044-03-15 BC')`,
      `INSERT INTO kinds (id, f8, ta) VALUES (5, '-0', '[0:1]={x,y}')`,
    ],
    expectedQuery: `SELECT to_jsonb(k)::text FROM kinds k ORDER BY id`,
  },
  {
    name: 'origin-message', // Origin and logical decoding Message messages, which carry no rows
    sql: [
      `SELECT pg_replication_origin_session_setup('fixture_origin')`,
      `SELECT pg_logical_emit_message(false, 'prefix', 'non-transactional')`,
      `BEGIN; SELECT pg_logical_emit_message(true, 'prefix', 'in a transaction'); INSERT INTO items VALUES (30, 'plum', 9); COMMIT`,
      `SELECT pg_replication_origin_session_reset()`,
    ],
  },
];
