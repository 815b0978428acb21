// Recovery on rejoin (docs/PROTOCOL.md "Recover missed events") as an app does it with the official
// client: it keeps the `recover` objects it passed to supabase.channel(), writes the last position
// into them in every callback, and realtime-js sends them again on each rejoin. Everything a client
// receives lands in one log, in arrival order, so a test can see where the recovery's system
// message fell among the frames.
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import type pg from 'pg';
import { client, subscribed } from './fixture.ts';
import { waitForSlotStreaming } from './cdc.ts';

export type Stream = 'postgres_changes' | 'broadcast';
/** The three recovering streams of a client: the public room's changes and broadcasts, the private vault's broadcasts. */
export type StreamKey = 'room/changes' | 'room/broadcast' | 'vault/broadcast';
export const STREAMS: StreamKey[] = ['room/changes', 'room/broadcast', 'vault/broadcast'];

export interface RecoveryResult {
  extension: 'recovery';
  status: 'ok' | 'error';
  channel: string;
  stream: Stream;
  result: 'complete' | 'expired' | 'too_large' | 'unknown_position' | 'unavailable';
  recovered: number;
  position: string | null;
  message: string;
}

/** A change (`n` = the row's id) or a broadcast (`n` = its payload's sequence number) with its position, or a recovery result. */
export type Entry =
  | { key: StreamKey; kind: 'data'; n: number; position: string }
  | { key: StreamKey; kind: 'system'; result: RecoveryResult };

export interface Recover { position?: unknown; since?: unknown }

export interface RecoveringClient {
  supabase: SupabaseClient;
  room: RealtimeChannel;
  vault: RealtimeChannel;
  log: Entry[];
  /** The objects given to supabase.channel(): the app keeps them and updates `position`. */
  recover: Record<StreamKey, Recover>;
  /** The data entries of one stream, in arrival order. */
  data(key: StreamKey): Array<{ n: number; position: string }>;
  /** The recovery results of one stream. */
  results(key: StreamKey): RecoveryResult[];
}

export interface ClientOptions {
  port: number;
  tenant: string;
  key: string;
  room: string;
  vault: string;
  table: string;
  /** Initial `recover` values (default `{}`: positions on, nothing to recover). */
  start?: Partial<Record<StreamKey, Recover>>;
}

/** realtime-js calls every binding's callback as (payload, ref, joinRef), though its types declare (payload) only. */
type WithRef = (payload: any, ref: string | null) => void;

export async function recoveringClient(o: ClientOptions): Promise<RecoveringClient> {
  // A short, fixed reconnect delay: the tests decide how long a client stays away.
  const supabase = client(o.port, o.tenant, o.key, { reconnectAfterMs: () => 200 });
  const recover: Record<StreamKey, Recover> = {
    'room/changes': { ...o.start?.['room/changes'] },
    'room/broadcast': { ...o.start?.['room/broadcast'] },
    'vault/broadcast': { ...o.start?.['vault/broadcast'] },
  };
  const log: Entry[] = [];
  const keyOf = (subtopic: string, stream: Stream): StreamKey =>
    `${subtopic === o.vault ? 'vault' : 'room'}/${stream === 'broadcast' ? 'broadcast' : 'changes'}` as StreamKey;
  const onSystem = (msg: RecoveryResult) => {
    if (msg.extension === 'recovery') log.push({ key: keyOf(msg.channel, msg.stream), kind: 'system', result: msg });
  };
  const onBroadcast = (key: StreamKey) => (msg: { payload: { n: number }; meta?: { position?: string } }) => {
    const position = msg.meta?.position as string;
    recover[key].position = position;
    log.push({ key, kind: 'data', n: msg.payload.n, position });
  };
  const onChange: WithRef = (payload, ref) => {
    recover['room/changes'].position = ref;
    log.push({ key: 'room/changes', kind: 'data', n: Number(payload.new.id), position: ref as string });
  };

  const room = supabase.channel(o.room, { config: { broadcast: { recover: recover['room/broadcast'] }, postgres_changes_options: { recover: recover['room/changes'] } } as never })
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: o.table }, onChange as never)
    .on('broadcast', { event: 'msg' }, onBroadcast('room/broadcast') as never)
    .on('system', {}, onSystem as never);
  const vault = supabase.channel(o.vault, { config: { private: true, broadcast: { recover: recover['vault/broadcast'] } } as never })
    .on('broadcast', { event: 'msg' }, onBroadcast('vault/broadcast') as never)
    .on('system', {}, onSystem as never);
  await Promise.all([subscribed(room), subscribed(vault)]);
  return {
    supabase, room, vault, log, recover,
    data: (key) => log.flatMap((e) => (e.key === key && e.kind === 'data' ? [{ n: e.n, position: e.position }] : [])),
    results: (key) => log.flatMap((e) => (e.key === key && e.kind === 'system' ? [e.result] : [])),
  };
}

/** `c0-17` → [0, 17n]: partition and Kafka offset of a position (opaque to apps; the test checks monotony). */
export function parsePosition(position: string): [number, bigint] {
  const m = /^[cb](\d+)-(\d+)$/.exec(position);
  if (!m) throw new Error(`not a position: ${position}`);
  return [Number(m[1]), BigInt(m[2]!)];
}

/** True when every position is on one partition and strictly after the one before. */
export function strictlyIncreasing(positions: string[]): boolean {
  return positions.every((p, i) => {
    if (i === 0) return true;
    const [part, off] = parsePosition(p);
    const [prevPart, prevOff] = parsePosition(positions[i - 1]!);
    return part === prevPart && off > prevOff;
  });
}

/**
 * The recovery tests' tenant schema: a published `notes` table, readable by `authenticated` (with
 * `rls`, only a user's own rows) and, with `vaults`, private channels `vault-*` readable by
 * `authenticated`; resolves once the tenant's slot streams.
 */
export async function createNotes(db: pg.Client, o: { rls: boolean; grant: boolean; vaults: boolean }): Promise<void> {
  await db.query(`CREATE TABLE notes (id bigint PRIMARY KEY, owner uuid NOT NULL, body text)`);
  if (o.rls) {
    await db.query(`ALTER TABLE notes ENABLE ROW LEVEL SECURITY`);
    await db.query(`CREATE POLICY "own notes" ON notes FOR SELECT TO authenticated USING (owner = auth.uid())`);
  }
  if (o.grant) await db.query(`GRANT SELECT ON notes TO authenticated`);
  await db.query(`ALTER PUBLICATION supabase_realtime ADD TABLE notes`);
  if (o.vaults) await db.query(`CREATE POLICY "read vaults" ON realtime.messages FOR SELECT TO authenticated USING (realtime.topic() LIKE 'vault-%')`);
  await waitForSlotStreaming(db);
}
