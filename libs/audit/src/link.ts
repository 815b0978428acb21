// The writer's half of the chain: gives each ChangeEvent its prev_hash and encodes it, in the
// tenant's order. The bytes returned are the ones to send: the next record's prev_hash is their
// hash, so re-encoding them (another avsc, another schema version) would break the chain.
import { encode, type ChangeEvent } from '@realtime/schemas';
import { recordHash, type ChainHead } from './chain.ts';

export interface Linked {
  events: ChangeEvent[];
  /** The Kafka value of each event, same order. */
  bytes: Buffer[];
  /** The head after the last event (unchanged when there were none). */
  head: ChainHead | null;
}

/** `head` null: the first record of a chain (prev_hash null). */
export function linkChanges(head: ChainHead | null, changes: readonly ChangeEvent[]): Linked {
  const events: ChangeEvent[] = [];
  const bytes: Buffer[] = [];
  let current = head;
  for (const change of changes) {
    const event = { ...change, prev_hash: current?.hash ?? null };
    const value = encode('ChangeEvent', event);
    events.push(event);
    bytes.push(value);
    current = { hash: recordHash(value), commitLsn: event.commit_lsn, commitLsnNum: event.commit_lsn_num, seq: event.seq };
  }
  return { events, bytes, head: current };
}
