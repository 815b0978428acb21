// GET /api/tenants/:id/changes?verify=1 (docs/ARCHITECTURE.md "Audit trail"): instead of the changes,
// the report of libs/replay's verifier over the range, as JSON: 200 when the chain and every
// checkpoint in range verify, 409 when something does not (the report says what, and where).
// verify=1 checks the whole chain, which runs through every table, so it refuses `table`.
import type { Request, Response } from 'express';
import { HttpStatus } from '@realtime/errors';
import type { ReplayRange } from '@realtime/replay/range';
import type { ChangeHistory } from '../ports.ts';

/** undefined: not asked; true: asked; a string: why the value is refused. */
export function verifyFlag(query: Request['query']): boolean | string {
  const v = query.verify;
  if (v === undefined || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  return 'must be 1 (or true) once';
}

export async function answerVerify(res: Response, changes: ChangeHistory, tenant: string, range: ReplayRange): Promise<void> {
  if (range.table) return void res.status(HttpStatus.UnprocessableEntity).json({ errors: { table: ['cannot go with verify=1: the chain runs through every table'] } });
  if (!changes.verify) return void res.status(HttpStatus.UnprocessableEntity).json({ errors: { verify: ['this deployment has no audit public key (TENANT_ADMIN_AUDIT_PUBLIC_KEY)'] } });
  const report = await changes.verify(tenant, range); // a Kafka failure here is a 500
  res.status(report.ok ? HttpStatus.Ok : HttpStatus.Conflict).set('cache-control', 'no-store').json(report);
}
