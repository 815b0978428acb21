// The replication connection of one tenant database: a persistent pgoutput slot streamed with
// pg-logical-replication, handing the raw pgoutput bytes to the core (which decodes them itself).
// Acknowledgement is ours alone: the library's automatic and timed acks would confirm LSNs that
// Kafka has not acknowledged yet, so both are off and confirm() is called by the core.
import pg from 'pg';
import { LogicalReplicationService } from 'pg-logical-replication';
import { AbstractPlugin } from 'pg-logical-replication/dist/output-plugins/abstract.plugin.js';

export interface ReplicationSourceOptions {
  connectionString: string;
  slot: string;
  publications: string[];
}

export interface ReplicationSource {
  /** Streams from the slot's confirmed position; `onMessage` is awaited before the next one. */
  start(onMessage: (walStart: string, bytes: Buffer) => Promise<void>, onError: (err: Error) => void): Promise<void>;
  /** Tells Postgres everything up to `lsn` is durable elsewhere: the slot may advance. */
  confirm(lsn: string): Promise<void>;
  stop(): Promise<void>;
}

class RawPgoutput extends AbstractPlugin<{ publications: string[] }> {
  get name() {
    return 'pgoutput';
  }
  parse(buffer: Buffer): Buffer {
    return Buffer.from(buffer); // the stream reuses its chunks
  }
  start(client: pg.Client, slot: string, lastLsn: string) {
    const names = this.options.publications.join(',');
    return client.query(`START_REPLICATION SLOT "${slot}" LOGICAL ${lastLsn} (proto_version '1', publication_names '${names}')`);
  }
}

export async function ensureSlot(connectionString: string, slot: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    if (!rowCount) await client.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
  } catch (err) {
    if ((err as { code?: string }).code !== '42710') throw err; // created concurrently: fine
  } finally {
    await client.end();
  }
}

export function createReplicationSource(options: ReplicationSourceOptions): ReplicationSource {
  const service = new LogicalReplicationService(
    // Value text (dates, times) must not depend on the database's defaults: the core expects ISO/UTC.
    { connectionString: options.connectionString, application_name: `ingest-cdc:${options.slot}`, options: '-c DateStyle=ISO -c TimeZone=UTC' },
    { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
  );
  let confirmed = '0/0';
  // Keepalives asking for a reply get our confirmed position, never the received one.
  service.on('heartbeat', (_lsn, _ts, shouldRespond) => {
    if (shouldRespond) void service.acknowledge(confirmed);
  });
  return {
    async start(onMessage, onError) {
      await ensureSlot(options.connectionString, options.slot);
      service.on('data', (lsn: string, bytes: Buffer) => onMessage(lsn, bytes));
      service.on('error', onError);
      void service.subscribe(new RawPgoutput({ publications: options.publications }), options.slot).catch(onError);
    },
    async confirm(lsn) {
      confirmed = lsn;
      await service.acknowledge(lsn);
    },
    async stop() {
      await service.stop();
    },
  };
}
