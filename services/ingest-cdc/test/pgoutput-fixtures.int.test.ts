// Captures the pgoutput fixtures again from the test Postgres and checks that they still say what
// the committed ones say (xids, LSNs, times and oids aside), so the unit tests' bytes stay true to
// the server. Regenerate the committed files with:
//   WRITE_FIXTURES=1 bash scripts/node node_modules/vitest/vitest.mjs run --project int services/ingest-cdc
import { describe, expect, inject, it } from 'vitest';
import { readExpectedJson, readHexFixture } from './fixture-files.ts';
import { scenarios } from './pgoutput-scenarios.ts';
import { captureFixtures, writeFixtures, type CapturedScenario } from './write-pgoutput-fixtures.ts';
import { replay } from './replay.ts';
import type { Transaction } from '../src/core/assembler.ts';

/** What must not differ between two captures: everything but positions, times and oids. */
function comparable(transactions: Transaction[]) {
  return transactions.map((t) => t.changes.map((c) => ({
    ...c,
    relationId: 'oid',
    columns: c.columns.map((col) => ({ ...col, typeOid: col.typeOid >= 16384 ? 'user type' : col.typeOid })),
  })));
}

describe('pgoutput fixtures', () => {
  let captured: CapturedScenario[] = [];

  it('are captured from a fresh database, with a pgoutput slot', async () => {
    captured = await captureFixtures(inject('infra').pgUrl);
    expect(captured.map((s) => s.name)).toEqual(scenarios.map((s) => s.name));
    if (process.env.WRITE_FIXTURES === '1') writeFixtures(captured);
  });

  it.each(scenarios.map((s) => s.name))('%s: a fresh capture assembles like the committed bytes', (name) => {
    const fresh = captured.find((s) => s.name === name)!;
    const now = replay(fresh.messages);
    const committed = replay(readHexFixture(name));
    expect(now.errors).toEqual([]);
    expect(fresh.messages.map((m) => String.fromCharCode(m[0]!))).toEqual(readHexFixture(name).map((m) => String.fromCharCode(m[0]!)));
    expect(comparable(now.transactions)).toEqual(comparable(committed.transactions));
    if (fresh.expected) expect(fresh.expected).toEqual(readExpectedJson(name));
  });
});
