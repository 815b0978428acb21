// ingest-cdc's own work per row, in process and without I/O: the pgoutput of N single-row
// transactions (P4's table: id bigint key, v text) through TenantStream (decode, assemble,
// ChangeEvent, Avro, hash chain) into a sink that acknowledges at once. CPU time per row, with the
// hash chain and without it (the stream's benchmark-only `hashChain: false`: prev_hash null, no
// SHA-256), alternating, best of the rounds. P4 (npm run bench -- p4) adds Kafka, Postgres and the
// socket on top; this isolates what the chain costs (issue 14).
//   npm run bench:ingest-core -- [rows = 100000] [rounds = 3]
import { print } from '@realtime/log';
import { TenantStream } from '../../services/ingest-cdc/src/core/tenant-stream.ts';

const rows = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const RELATION_ID = 16_400;
const PG_EPOCH_MS = 946_684_800_000;

const cstring = (s: string) => Buffer.concat([Buffer.from(s), Buffer.from([0])]);
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const i64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64BE(n); return b; };
const text = (s: string) => Buffer.concat([Buffer.from('t'), u32(Buffer.byteLength(s)), Buffer.from(s)]);

function relation(): Buffer {
  const column = (key: boolean, name: string, oid: number) => Buffer.concat([Buffer.from([key ? 1 : 0]), cstring(name), u32(oid), u32(0xffffffff)]);
  return Buffer.concat([Buffer.from('R'), u32(RELATION_ID), cstring('public'), cstring('ingest_rows'), Buffer.from('d'), Buffer.from([0, 2]), column(true, 'id', 20), column(false, 'v', 25)]);
}

/** Begin, Insert, Commit of row `i`, LSNs growing as in a real WAL. */
function transaction(i: number): Buffer[] {
  const at = BigInt(0x1_0000_0000 + i * 200);
  const ts = BigInt(Date.now() - PG_EPOCH_MS) * 1000n;
  const tuple = Buffer.concat([Buffer.from([0, 2]), text(String(i + 1)), text(`row ${i + 1}`)]);
  return [
    Buffer.concat([Buffer.from('B'), i64(at + 120n), i64(ts), u32(1000 + i)]),
    Buffer.concat([Buffer.from('I'), u32(RELATION_ID), Buffer.from('N'), tuple]),
    Buffer.concat([Buffer.from('C'), Buffer.from([0]), i64(at + 120n), i64(at + 168n), i64(ts)]),
  ];
}

const wal = [relation(), ...Array.from({ length: rows }, (_, i) => transaction(i)).flat()];

async function drain(hashChain: boolean): Promise<{ cpuUs: number; wallMs: number; published: number }> {
  let published = 0;
  const stream = new TenantStream({
    tenant: 'bench', nodeId: 'bench', maxRecordBytes: 1_048_576, onErrors: () => {}, onFatal: (err) => { throw err; },
    sink: { publish: async (b) => void (published += b.changes.length) },
    confirmer: { confirm: async () => {} },
    ...(hashChain ? {} : { hashChain: false as const }),
  });
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (const bytes of wal) {
    const wait = stream.receive(Buffer.from(bytes)); // a copy, as the pg adapter hands it
    if (wait) await wait;
  }
  await stream.drain();
  const used = process.cpuUsage(cpu);
  return { cpuUs: used.user + used.system, wallMs: performance.now() - t0, published };
}

const best = { chain: Infinity, none: Infinity };
await drain(true); // warm-up: JIT
for (let r = 0; r < rounds; r++) {
  for (const chain of [true, false]) {
    const run = await drain(chain);
    if (run.published !== rows) throw new Error(`published ${run.published} of ${rows}`);
    const perRow = run.cpuUs / rows;
    best[chain ? 'chain' : 'none'] = Math.min(best[chain ? 'chain' : 'none'], perRow);
    print(`round ${r + 1} ${chain ? 'hash chain   ' : 'no hash chain'}: ${perRow.toFixed(2)} µs CPU/row (${Math.round(rows / (run.cpuUs / 1e6)).toLocaleString('en')} rows per CPU second), wall ${run.wallMs.toFixed(0)} ms`);
  }
}
print(`best: hash chain ${best.chain.toFixed(2)} µs/row, without ${best.none.toFixed(2)} µs/row: the chain costs ${(best.chain - best.none).toFixed(2)} µs per record`);
