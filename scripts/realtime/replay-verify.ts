// `realtime replay --verify`: checks a tenant's audit trail (docs/ARCHITECTURE.md "Audit trail")
// with only the public key: recomputes the hash chain over the range and matches the signed
// checkpoints. stdout gets the JSON report (VerifyReport of libs/replay), stderr a summary with the
// first problems. Exit 0 when everything verifies, 1 when something does not or reading failed.
import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { parseVerifyKey } from '@realtime/audit';
import { topicNames, type Kafka } from '@realtime/kafka';
import type { Logger } from '@realtime/log';
import { verifyChanges, type VerifyReport } from '@realtime/replay';
import type { ReplayArgs } from './replay-args.ts';

const SHOWN = 10;

export async function runVerify(args: ReplayArgs & { verify: { publicKeyFile: string } }, kafka: Kafka, log: Logger): Promise<number> {
  let publicKey: KeyObject;
  try {
    publicKey = parseVerifyKey(readFileSync(args.verify.publicKeyFile, 'utf8'));
  } catch (err) {
    process.stderr.write(`--public-key ${args.verify.publicKeyFile}: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    const report = await verifyChanges(kafka, { topics: topicNames(args.topicPrefix), tenant: args.tenant, range: args.range, publicKey, logger: log });
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.stderr.write(summary(report));
    return report.ok ? 0 : 1;
  } catch (err) {
    process.stderr.write(`verify failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

export function summary(r: VerifyReport & { tenant: string }): string {
  const span = r.first && r.last ? ` from ${r.first.commit_lsn} seq ${r.first.seq} to ${r.last.commit_lsn} seq ${r.last.seq}` : '';
  const signed = r.lastCheckpoint ? `; signed up to ${r.lastCheckpoint.commit_lsn} seq ${r.lastCheckpoint.seq}` : '; no checkpoint in range';
  const head = `${r.ok ? 'VERIFIED' : 'NOT VERIFIED'}: tenant ${r.tenant}, ${r.records} record(s)${span}, ${r.checkpoints.matched}/${r.checkpoints.inRange} checkpoint(s) matched${signed}\n`;
  const lines = r.problems.slice(0, SHOWN).map((p) => `  ${p.kind}: ${p.message}\n`);
  const more = r.problemCount > SHOWN ? [`  … ${r.problemCount - SHOWN} more (see the JSON report)\n`] : [];
  return head + lines.join('') + more.join('');
}
