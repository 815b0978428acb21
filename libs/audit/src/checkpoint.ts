// Signed checkpoints of a tenant's chain head (schemas/cdc-checkpoint.v1.avsc). The signature
// covers this payload, one field per line in a fixed order, with a version tag first so a later
// payload layout can never be mistaken for this one:
//
//   realtime-cdc-checkpoint/1
//   <tenant> <commit_lsn> <commit_lsn_num> <seq> <head_hash hex> <signed_at ms> <node> <key_id>
//
// (fields separated by "\n", not spaces; tenant ids and node names contain no newline).
import { sign, verify, type KeyObject } from 'node:crypto';
import type { CdcCheckpoint } from '@realtime/schemas';
import type { ChainHead } from './chain.ts';
import { keyId } from './keys.ts';

const TAG = 'realtime-cdc-checkpoint/1';

function payload(c: Omit<CdcCheckpoint, 'signature'>): Buffer {
  const fields = [TAG, c.tenant, c.commit_lsn, String(c.commit_lsn_num), String(c.seq), c.head_hash.toString('hex'), String(c.signed_at), c.node, c.key_id];
  return Buffer.from(fields.join('\n'), 'utf8');
}

export function signCheckpoint(tenant: string, head: ChainHead, o: { key: KeyObject; node: string; signedAt: number }): CdcCheckpoint {
  const unsigned = {
    tenant, head_hash: head.hash, commit_lsn: head.commitLsn, commit_lsn_num: head.commitLsnNum, seq: head.seq,
    signed_at: o.signedAt, node: o.node, key_id: keyId(o.key),
  };
  return { ...unsigned, signature: sign(null, payload(unsigned), o.key) };
}

/** null when the signature verifies with `publicKey`, else why not. */
export function checkpointSignatureProblem(c: CdcCheckpoint, publicKey: KeyObject): string | null {
  const expected = keyId(publicKey);
  if (c.key_id !== expected) return `signed with key ${c.key_id}, not with the given public key (${expected})`;
  const { signature, ...unsigned } = c;
  return verify(null, payload(unsigned), publicKey, signature) ? null : 'signature does not verify';
}
