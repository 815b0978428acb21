// What a recovery on rejoin costs the gateway's core (docs/PROTOCOL.md §11), without Kafka (the
// range reader's own cost is bench:range-reader): N missed records of one channel, among as many
// records of other channels on the partition, read from an in-memory log, matched, checked (RLS
// in batches for changes) and sent. Baseline in the same run: the same N records delivered live
// to a channel without `recover`. Prints CPU ms per run and µs per frame (medians of rounds).
//   npm run bench:recovery-core -- [records=10000] [rounds=5]
import { SignJWT } from 'jose';
import { print } from '@realtime/log';
import type { ChangeEvent } from '@realtime/schemas';
import { MemorySocket, ownedTodosAndNotes, tenant, testGateway } from '../../services/gateway/test/support.ts';
import { MemoryRecoveryLog } from '../../services/gateway/test/recovery-log.ts';
import type { OutboundBroadcast } from '../../services/gateway/src/core/base/broadcast-message.ts';
import { quantile } from './measure.ts';

const records = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 5);
const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const cols = [{ name: 'id', type: 'int8' }, { name: 'owner', type: 'text' }, { name: 'title', type: 'text' }];
const limits = { ...tenant().limits, maxRecoveryEvents: records * 2, maxRecoveryBytes: 1 << 30, maxEventsPerSecond: 1e9 };

function broadcast(i: number, topic: string): OutboundBroadcast {
  return { id: `m${i}`, tenant: 'acme', topic, private: false, event: 'msg', kind: 'json', encoding: 'json', payload: new TextEncoder().encode(JSON.stringify({ i, text: 'x'.repeat(100) })), metaId: null, originNode: 'other', sentAt: i };
}
function change(i: number): ChangeEvent {
  return {
    tenant: 'acme', schema: 'public', table: 'notes', type: 'INSERT', commit_timestamp: i * 1000, commit_lsn: `0/${i.toString(16)}`, commit_lsn_num: i, xid: i, seq: 0,
    columns: cols.map((c) => ({ ...c, type_oid: 0 })), record_json: JSON.stringify({ id: i, owner: i % 2 ? 'u1' : 'u2', title: 'x'.repeat(100) }), old_record_json: null,
    pk_columns: ['id'], toast_unchanged: [], truncated: false, relation_id: 1,
  };
}

async function setup() {
  const log = new MemoryRecoveryLog();
  const db = ownedTodosAndNotes(cols);
  const t = testGateway(undefined, db, undefined, { recoveryLog: log, recovery: { concurrency: 4, timeoutMs: 600_000, maxScanBytes: 2 ** 40 } });
  t.tenants.put(tenant({ limits }));
  log.append('broadcast', 'acme:o:room', broadcast(-1, 'room'));
  log.append('cdc', 'acme', change(0));
  for (let i = 1; i <= records; i++) {
    log.append('broadcast', 'acme:o:room', broadcast(i, 'room'));
    log.append('broadcast', 'acme:o:elsewhere', broadcast(i, 'elsewhere'));
    const e = change(i);
    db.tables.get('public.notes')!.rows.push(JSON.parse(e.record_json!));
    log.append('cdc', 'acme', e);
    log.append('cdc', 'globex', { ...e, tenant: 'globex' });
  }
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const token = await new SignJWT({ role: 'authenticated', sub: 'u1', exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(tenant().jwtSecret!));
  const join = async (config: Record<string, unknown>) => {
    const socket = new MemorySocket(`s${Math.random()}`);
    const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { role: 'authenticated', sub: 'u1', exp });
    await t.gateway.receive(conn, JSON.stringify(['1', '1', `realtime:room`, 'phx_join', { config, access_token: token }]));
    return socket;
  };
  return { t, log, join };
}

const done = (socket: MemorySocket) => socket.json().some((f) => (f as unknown[])[3] === 'system' && ((f as unknown[])[4] as { extension: string }).extension === 'recovery');
async function until(check: () => boolean) {
  while (!check()) await new Promise((r) => setImmediate(r));
}

/** `run` calls `start()` once its set-up is built: only what follows is measured. */
async function measure(name: string, run: (start: () => void) => Promise<number>) {
  const cpu: number[] = [];
  let frames = 0;
  for (let i = 0; i < rounds; i++) {
    let before = 0;
    frames = await run(() => void (before = cpuMs()));
    cpu.push(cpuMs() - before);
  }
  const ms = median(cpu);
  print(`  ${name.padEnd(46)}${ms.toFixed(0).padStart(8)} ms CPU${((ms * 1000) / Math.max(1, frames)).toFixed(1).padStart(9)} µs/frame  (${frames} frames)`);
}

print(`recovery on rejoin, gateway core: ${records} missed records of the channel among ${records} of others (medians of ${rounds})`);
await measure('broadcasts live (baseline, no recover)', async (start) => {
  const { t, log, join } = await setup();
  const socket = await join({ broadcast: {} });
  start();
  log.topics.broadcast.forEach((r, o) => r.key === 'acme:o:room' && t.bus.deliver(r.value as OutboundBroadcast, { partition: 0, offset: BigInt(o) }));
  return socket.frames.length - 1;
});
await measure('broadcasts recovered', async (start) => {
  const { join } = await setup();
  start();
  const socket = await join({ broadcast: { recover: { position: 'b0-0' } } });
  await until(() => done(socket));
  return socket.frames.length - 2;
});
await measure('changes live under RLS (baseline, no recover)', async (start) => {
  const { t, log, join } = await setup();
  const socket = await join({ postgres_changes: [{ event: '*', schema: 'public', table: 'notes' }] });
  await t.gateway.changes.idle();
  await new Promise((r) => setTimeout(r, 10));
  start();
  log.topics.cdc.forEach((r, o) => r.key === 'acme' && o > 0 && t.gateway.changes.receive(r.value as ChangeEvent, { partition: 0, offset: BigInt(o) }));
  await t.gateway.changes.idle();
  return socket.frames.length - 2;
});
await measure('changes recovered under RLS', async (start) => {
  const { join } = await setup();
  start();
  const socket = await join({ postgres_changes: [{ event: '*', schema: 'public', table: 'notes' }], postgres_changes_options: { recover: { position: 'c0-0' } } });
  await until(() => done(socket));
  return socket.frames.length - 3;
});
