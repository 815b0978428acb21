// The replication connection of one tenant database: a persistent pgoutput slot streamed with
// pg-logical-replication, handing the raw pgoutput bytes to the core (which decodes them itself).
// Acknowledgement is ours alone: the library's automatic and timed acks would confirm LSNs that
// Kafka has not acknowledged yet, so both are off and confirm() is called by the core.
//
// The position reported is exactly the one confirmed (a commit's end LSN), as Postgres's own
// subscribers report it. The library's acknowledge(lsn) reports lsn + 1, and Postgres, after a
// restart, skips every transaction whose commit record starts before the confirmed position: a
// transaction committed right behind the confirmed one (its commit record starting at that end LSN,
// as when two sessions commit back to back) would be lost. So the library is handed lsn - 1.
//
// Throughput (bench P4): a backlog of small transactions confirms one position per transaction.
// Each status update is a socket write here and a reply for the walsender to process, so confirm()
// only records the position and one update per event-loop turn reports the newest (stop() sends
// the last one before closing). Messages are handed to the core synchronously while it keeps up:
// the library's flow control awaits every message (a promise and an event-loop hop each); ours
// pauses the socket only while the core is waiting (serialDelivery).
import { hostname } from 'node:os';
import { createPgClient, DEFAULT_CONNECT_TIMEOUT_MS, type PgClient, hasSqlState, SqlState, within } from '@realtime/pg';
import { LogicalReplicationService } from 'pg-logical-replication';
import { AbstractPlugin } from 'pg-logical-replication/dist/output-plugins/abstract.plugin.js';
import { formatLsn, parseLsn } from '../core/lsn.ts';
import type { ReplicationSource, ReplicationSourceOptions } from '../ports.ts';

export type { ReplicationSource, ReplicationSourceOptions };

const DEFAULT_TIMEOUT_MS = 10_000;

// The walsender's application_name names this worker, so an operator (GET /api/tenants/:id/replication,
// `realtime slots`) sees which ingest-cdc instance owns a slot. Postgres keeps 63 bytes of it.
const workerName = `ingest-cdc@${hostname()}/${process.pid}`.slice(0, 63);

class RawPgoutput extends AbstractPlugin<{ publications: string[] }> {
  get name() {
    return 'pgoutput';
  }
  parse(buffer: Buffer): Buffer {
    // A view into the stream's chunk, which the stream reuses: valid while its message is handed
    // over synchronously (the decoder copies what it keeps); serialDelivery copies what it queues.
    return buffer;
  }
  start(client: PgClient, slot: string, lastLsn: string) {
    const names = this.options.publications.join(',');
    return client.query(`START_REPLICATION SLOT "${slot}" LOGICAL ${lastLsn} (proto_version '1', publication_names '${names}')`);
  }
}

/** Creates the slot when missing; returns its confirmed position (where streaming will start). */
export async function ensureSlot(connectionString: string, slot: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<bigint | null> {
  const client = createPgClient({ connectionString }, within(timeoutMs));
  client.on('error', () => {}); // a dropped connection surfaces as the pending query's rejection
  await client.connect();
  const confirmedFlush = async () => {
    const { rows } = await client.query<{ lsn: string | null }>('SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    return rows.length ? (rows[0]!.lsn === null ? null : parseLsn(rows[0]!.lsn)) : undefined;
  };
  try {
    const existing = await confirmedFlush();
    if (existing !== undefined) return existing;
    try {
      // Creating a slot waits for the transactions running at that moment: a longer bound (pg
      // reads query_timeout per query too, its types only know it on the client).
      const create = { text: `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, values: [slot], query_timeout: timeoutMs * 6 };
      await client.query(create);
    } catch (err) {
      if (!hasSqlState(err, SqlState.DuplicateObject)) throw err; // created concurrently: fine
    }
    return (await confirmedFlush()) ?? null;
  } finally {
    await client.end();
  }
}

/** Reports `lsn` itself to Postgres as written, flushed and applied (see the header). */
function acknowledgeExactly(service: LogicalReplicationService, lsn: bigint, ping = false): Promise<boolean> {
  return service.acknowledge(formatLsn(lsn - 1n), ping);
}

/** How long stop() waits for the walsender to answer the last position before it closes anyway. */
const LAST_REPORT_WAIT_MS = 2_000;

export function createReplicationSource(options: ReplicationSourceOptions): ReplicationSource {
  const service = new LogicalReplicationService(
    // Value text (dates, times) must not depend on the database's defaults: the core expects ISO/UTC.
    {
      connectionString: options.connectionString, application_name: workerName, options: '-c DateStyle=ISO -c TimeZone=UTC',
      connectionTimeoutMillis: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    },
    { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: false } },
  );
  // Until the first confirm, the slot's own position: a reply must never move it backwards.
  let confirmed: bigint | null = null;
  // The newest position confirmed but not yet reported (one report per event-loop turn).
  let unreported = false;
  let confirmedHere = false;
  const report = () => {
    if (!unreported || confirmed === null) return;
    unreported = false;
    void acknowledgeExactly(service, confirmed);
  };
  // Keepalives asking for a reply get our confirmed position, never the received one.
  service.on('heartbeat', (_lsn, _ts, shouldRespond) => {
    if (shouldRespond && confirmed) void acknowledgeExactly(service, confirmed);
  });
  return {
    async start(onMessage, onError) {
      confirmed = await ensureSlot(options.connectionString, options.slot, options.timeoutMs);
      service.on('data', serialDelivery(service, onMessage, onError));
      service.on('error', onError);
      void service.subscribe(new RawPgoutput({ publications: options.publications }), options.slot).catch(onError);
    },
    async confirm(lsn) {
      const at = parseLsn(lsn);
      if (at === null) throw new Error(`not an LSN: ${lsn}`);
      confirmed = at;
      confirmedHere = true;
      if (!unreported) setImmediate(report);
      unreported = true;
    },
    async stop() {
      // The last position confirmed reaches the slot before the hand-over: reported with a reply
      // requested, and the walsender answers only after it took the position (a close right
      // behind the report could otherwise leave the slot one report behind).
      if (confirmedHere && confirmed !== null) {
        unreported = false;
        let timer: NodeJS.Timeout | undefined;
        const answered = new Promise<void>((resolve) => {
          service.once('heartbeat', () => resolve());
          timer = setTimeout(resolve, LAST_REPORT_WAIT_MS);
        });
        if (await acknowledgeExactly(service, confirmed, true)) await answered;
        clearTimeout(timer);
      }
      await service.stop();
    },
  };
}

type OnMessage = Parameters<ReplicationSource['start']>[0];

/**
 * Calls `onMessage` for each message in order, synchronously while it returns nothing; when it
 * returns a promise (the core is waiting for Kafka), the socket is paused and the messages already
 * read wait in a queue until it settles. A rejection or throw goes to `onError`.
 */
function serialDelivery(service: LogicalReplicationService, onMessage: OnMessage, onError: (err: Error) => void) {
  // pg's connection socket: the library's own flow control pauses it the same way
  const socket = () => (service as unknown as { _connection?: { stream?: { pause?(): void; resume?(): void } } })._connection?.stream;
  let queue: Array<{ lsn: string; bytes: Buffer }> = [];
  let waiting = false;
  const fail = (err: unknown) => onError(err instanceof Error ? err : new Error(String(err)));
  const deliver = (lsn: string, bytes: Buffer): boolean => {
    try {
      const pending = onMessage(lsn, bytes);
      if (!pending) return true;
      waiting = true;
      socket()?.pause?.();
      pending.then(resume, (err: unknown) => { fail(err); resume(); });
      return false;
    } catch (err) {
      fail(err);
      return true;
    }
  };
  const resume = () => {
    waiting = false;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      for (let i = 0; i < batch.length; i++) {
        if (deliver(batch[i]!.lsn, batch[i]!.bytes)) continue;
        queue = batch.slice(i + 1).concat(queue); // what arrived meanwhile stays behind the rest
        return;
      }
    }
    socket()?.resume?.();
  };
  return (lsn: string, bytes: Buffer) => {
    if (waiting) queue.push({ lsn, bytes: Buffer.from(bytes) }); // the chunk is reused once this returns
    else deliver(lsn, bytes);
  };
}

/** Drops `slot` if it exists (a deleted tenant's); a database that cannot be reached rejects. */
export async function dropSlot(connectionString: string, slot: string): Promise<void> {
  const client = createPgClient({ connectionString }, { connectMs: DEFAULT_CONNECT_TIMEOUT_MS });
  try {
    await client.connect();
    await client.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  } finally {
    await client.end().catch(() => {});
  }
}
