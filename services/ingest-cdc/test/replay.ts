// Test helper: replays a fixture through decode + step and collects what came out.
import { initialState, stepBytes, type AssemblerError, type AssemblerState, type Transaction } from '../src/core/assembler.ts';
import { readHexFixture } from './fixture-files.ts';
import { decodePgoutput, type PgoutputMessage } from '../src/core/pgoutput.ts';

export interface Replay {
  transactions: Transaction[];
  errors: AssemblerError[];
  state: AssemblerState;
}

export function replay(messages: Buffer[], state: AssemblerState = initialState(), maxHeld?: number, onStep?: (s: AssemblerState) => void): Replay {
  const transactions: Transaction[] = [];
  const errors: AssemblerError[] = [];
  for (const bytes of messages) {
    const result = stepBytes(state, bytes, maxHeld);
    onStep?.(result.state);
    state = result.state;
    transactions.push(...result.emitted);
    errors.push(...result.errors);
  }
  return { transactions, errors, state };
}

export const replayFixture = (name: string) => replay(readHexFixture(name));

export function decodedFixture(name: string): PgoutputMessage[] {
  return readHexFixture(name).map((bytes) => {
    const result = decodePgoutput(bytes);
    if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
    return result.message;
  });
}

/** Table name → relation oid, from the fixture's Relation messages (oids differ per capture). */
export function relationOids(name: string): Record<string, number> {
  return Object.fromEntries(decodedFixture(name).flatMap((m) => (m.tag === 'relation' ? [[m.name, m.relationId]] : [])));
}
