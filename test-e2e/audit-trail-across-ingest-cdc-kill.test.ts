// The audit trail through a SIGKILL of ingest-cdc mid-stream (docs/ARCHITECTURE.md "Audit trail"):
// the restarted worker reads the chain head back from realtime.cdc, continues the chain and does
// not resend what the killed one had written, so tenant-admin's verify=1 finds one chain, each row
// once, matched by the checkpoints the new worker signs (the killed one could not sign its last).
import { expect, it } from 'vitest';
import { waitFor } from '@realtime/testing';
import { adminFetch } from './support/fixture.ts';
import { insertRows, useCdcTenant, waitForSlotStreaming } from './support/cdc.ts';

const cdc = useCdcTenant();
const ROWS = 4_000;

it('keeps one verifiable chain across a SIGKILL of ingest-cdc, each row once', async () => {
  await waitForSlotStreaming(cdc.db);
  await insertRows(cdc.db, ROWS, 50, () => cdc.stack.ingestCdc!.kill());
  await cdc.stack.startIngestCdc();
  const path = `/api/tenants/${cdc.tenant.externalId}/changes?from=0/0&verify=1`;
  await waitFor(async () => {
    const res = await adminFetch(cdc.stack, path);
    const report = (await res.json()) as { ok: boolean; records: number; problems: unknown[]; last: unknown; lastCheckpoint: unknown };
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, records: ROWS });
    expect(report.lastCheckpoint).toEqual(report.last); // signed up to the last row
    expect(res.status).toBe(200);
  }, { timeout: 90_000, interval: 2_000 });
}, 180_000);
