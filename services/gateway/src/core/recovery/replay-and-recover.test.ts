// A private channel that asks for both `broadcast.replay` (stored rows of realtime.messages, from the
// tenant database) and `broadcast.recover` (Kafka): a stored row's Kafka copy carries the row id as
// its meta id, and must not reach the client a second time, neither in the recovered range nor live
// across the seam. Everything else still arrives, in Kafka order with positions.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import { MemorySocket, MemoryTenantDatabase, tenant, testGateway } from '../../../test/support.ts';
import { MemoryRecoveryLog } from '../../../test/recovery-log.ts';
import type { OutboundBroadcast } from '../base/broadcast-message.ts';

let log: MemoryRecoveryLog;
let db: MemoryTenantDatabase;
let t: ReturnType<typeof testGateway>;

beforeEach(() => {
  log = new MemoryRecoveryLog();
  db = new MemoryTenantDatabase();
  db.readPolicy = () => true;
  t = testGateway(undefined, db, undefined, { recoveryLog: log, recovery: { concurrency: 1, timeoutMs: 30_000, maxScanBytes: 1_000_000 } });
  t.tenants.put(tenant());
});

let n = 0;
/** A private broadcast as Kafka holds it; `row`: the realtime.messages id it came from (its meta id). */
function kafkaCopy(text: string, row: string | null): OutboundBroadcast {
  return {
    id: `k${n++}`, tenant: 'acme', topic: 'room', private: true, event: 'msg', kind: 'json', encoding: 'json',
    payload: new TextEncoder().encode(JSON.stringify({ text })), metaId: row, originNode: 'ingest', sentAt: 1000 + n,
  };
}
const append = (m: OutboundBroadcast) => log.append('broadcast', 'acme:p:room', m, m.sentAt);
const storedRow = (id: string, text: string, at: number) => ({ id, event: 'msg', payloadJson: JSON.stringify({ text }), binary: null, at });

async function joined(recover: Record<string, unknown>) {
  const exp = Math.floor(t.clock.now() / 1000) + 3600;
  const token = await new SignJWT({ role: 'authenticated', sub: 'a', exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(tenant().jwtSecret!));
  const socket = new MemorySocket(`s${n++}`);
  const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { role: 'authenticated', sub: 'a', exp });
  await t.gateway.receive(conn, JSON.stringify(['1', '1', 'realtime:room', 'phx_join', { config: { private: true, broadcast: { replay: { since: 0, limit: 10 }, recover } }, access_token: token }]));
  const frames = () => socket.json() as Array<[string | null, string | null, string, string, Record<string, unknown>]>;
  /** Each broadcast as [text, 'replayed' | its position]. */
  const got = () => frames().filter((f) => f[3] === 'broadcast').map((f) => {
    const meta = f[4].meta as { replayed?: boolean; position?: string } | undefined;
    return [(f[4].payload as { text: string }).text, meta?.replayed ? 'replayed' : meta?.position ?? null];
  });
  const system = () => frames().filter((f) => f[3] === 'system' && f[4].extension === 'recovery').map((f) => f[4]);
  return { got, system };
}

describe('broadcast.replay with broadcast.recover', () => {
  it('sends a stored row once: the database replay, not its Kafka copy in the recovered range or live at the seam', async () => {
    append(kafkaCopy('before', null)); // offset 0: the position the client gives
    append(kafkaCopy('a', 'r1')); // 1
    append(kafkaCopy('x', null)); // 2: a plain broadcast, not in the database
    append(kafkaCopy('b', 'r2')); // 3
    db.stored.set('room', [storedRow('r1', 'a', 1), storedRow('r2', 'b', 2), storedRow('r3', 'c', 3)]);
    const open = log.hold();
    const c = await joined({ position: 'b0-0' });
    // Live while the recovery reads: r3's Kafka copy (after the end E = 4), then a new plain message.
    const r3 = kafkaCopy('c', 'r3');
    t.bus.deliver(r3, { partition: 0, offset: append(r3) });
    const y = kafkaCopy('y', null);
    t.bus.deliver(y, { partition: 0, offset: append(y) });
    open();
    await vi.waitFor(() => expect(c.system()).toHaveLength(1));
    expect(c.system()[0]).toMatchObject({ result: 'complete', recovered: 1 });
    expect(c.got()).toEqual([['a', 'replayed'], ['b', 'replayed'], ['c', 'replayed'], ['x', 'b0-2'], ['y', 'b0-5']]);
    // After the seam: a later Kafka copy of a replayed row is still skipped, a new stored row is not.
    const again = kafkaCopy('a', 'r1');
    t.bus.deliver(again, { partition: 0, offset: append(again) });
    const r4 = kafkaCopy('d', 'r4');
    t.bus.deliver(r4, { partition: 0, offset: append(r4) });
    expect(c.got().slice(5)).toEqual([['d', 'b0-7']]);
  });
});
