// Presence leaves whose send fails: retried with backoff until sent, bounded in attempts and in
// waiting leaves, and never sent after the member tracked again. Through the hub: an untrack, a
// leave and a closed socket all end with the member gone although the first send failed.
import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { createLogger } from '@realtime/log';
import type { PresenceCommand } from '@realtime/schemas';
import { ManualClock, MemoryPresence, MemorySocket, tenant, testGateway } from '../../../test/support.ts';
import { LeaveRetries, type LeaveOutcome } from './leaves.ts';

const log = createLogger({ service: 'test', level: 'silent' });
const flush = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0)); };
const untrack = (member: string) => ({ op: 'UNTRACK', connection_id: member }) as PresenceCommand;

/** A send that fails `failures` times, then records. */
function flaky(failures: number) {
  const sent: string[] = [];
  let calls = 0;
  return { sent, get calls() { return calls; }, send: async (c: PresenceCommand) => { calls++; if (failures-- > 0) throw new Error('broker down'); sent.push(c.connection_id); } };
}

describe('presence leave retries', () => {
  it('sends a failed leave again with growing delays until it goes through', async () => {
    const clock = new ManualClock();
    const k = flaky(3);
    const outcomes: LeaveOutcome[] = [];
    const leaves = new LeaveRetries({ send: k.send, clock, log, onOutcome: (o) => outcomes.push(o), options: { attempts: 10, firstDelayMs: 100, maxDelayMs: 1000, maxPending: 10 } });
    await leaves.leave('m1', untrack('m1'));
    expect([k.calls, leaves.size]).toEqual([1, 1]);
    clock.advance(99);
    await flush();
    expect(k.calls).toBe(1);
    clock.advance(1); // 100 ms after the first failure
    await flush();
    clock.advance(200);
    await flush();
    expect(k.calls).toBe(3);
    clock.advance(400);
    await flush();
    expect(k.sent).toEqual(['m1']);
    expect(leaves.size).toBe(0);
    expect(outcomes).toEqual(['retried', 'retried', 'retried', 'sent']);
  });

  it('gives up after the last attempt, and keeps at most maxPending leaves waiting (oldest dropped)', async () => {
    const clock = new ManualClock();
    const k = flaky(Infinity);
    const outcomes: LeaveOutcome[] = [];
    const leaves = new LeaveRetries({ send: k.send, clock, log, onOutcome: (o) => outcomes.push(o), options: { attempts: 3, firstDelayMs: 10, maxDelayMs: 10, maxPending: 2 } });
    await leaves.leave('a', untrack('a'));
    for (let i = 0; i < 5; i++) { clock.advance(10); await flush(); }
    expect([k.calls, leaves.size, outcomes.at(-1)]).toEqual([3, 0, 'dropped']);
    await leaves.leave('b', untrack('b'));
    await leaves.leave('c', untrack('c'));
    await leaves.leave('d', untrack('d'));
    expect(leaves.size).toBe(2);
    expect(outcomes.filter((o) => o === 'dropped')).toHaveLength(2);
  });

  it('never sends a waiting leave once the member tracked again', async () => {
    const clock = new ManualClock();
    const k = flaky(1);
    const leaves = new LeaveRetries({ send: k.send, clock, log, options: { attempts: 5, firstDelayMs: 10, maxDelayMs: 10, maxPending: 10 } });
    await leaves.leave('m1', untrack('m1'));
    leaves.cancel('m1');
    clock.advance(100);
    await flush();
    expect([k.calls, k.sent, leaves.size]).toEqual([1, [], 0]);
  });
});

/** A backend whose sends of UNTRACK fail `failures` times. */
class FlakyPresence extends MemoryPresence {
  failures = 0;
  trackFailures = 0;
  override async send(c: PresenceCommand) {
    if (c.op === 'UNTRACK' && this.failures-- > 0) throw new Error('broker down');
    if (c.op === 'TRACK' && this.trackFailures-- > 0) throw new Error('broker down');
    return super.send(c);
  }
}

describe('presence hub leaves', () => {
  async function setup() {
    const presence = new FlakyPresence();
    const t = testGateway(new ManualClock(), null, presence);
    t.tenants.put(tenant());
    const exp = Math.floor(t.clock.now() / 1000) + 3600;
    const token = await new SignJWT({ role: 'anon', exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(tenant().jwtSecret!));
    const socket = new MemorySocket('s1');
    const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { role: 'anon', exp });
    const send = async (frame: unknown[]) => { await t.gateway.receive(conn, JSON.stringify(frame)); await flush(); };
    await send(['1', '1', 'realtime:room', 'phx_join', { config: { presence: { enabled: true, key: 'alice' } }, access_token: token }]);
    await send(['1', '2', 'realtime:room', 'presence', { type: 'presence', event: 'track', payload: { v: 1 } }]);
    const members = () => [...presence.channels.values()].reduce((n, m) => n + m.size, 0);
    expect(members()).toBe(1);
    const retryUntilSent = async () => { for (let i = 0; i < 5; i++) { t.clock.advance(1000); await flush(); } };
    return { t, presence, conn, socket, send, members, retryUntilSent };
  }

  it('an untrack whose send failed still removes the member, and the client gets its ok', async () => {
    const s = await setup();
    s.presence.failures = 2;
    await s.send(['1', '3', 'realtime:room', 'presence', { type: 'presence', event: 'untrack' }]);
    expect(s.members()).toBe(1);
    expect(s.t.gateway.presence.pendingLeaves).toBe(1);
    await s.retryUntilSent();
    expect([s.members(), s.t.gateway.presence.pendingLeaves]).toEqual([0, 0]);
  });

  it('leaving the channel and closing the socket: the member goes although the first send failed', async () => {
    for (const how of ['leave', 'close'] as const) {
      const s = await setup();
      s.presence.failures = 1;
      if (how === 'leave') await s.send(['1', '4', 'realtime:room', 'phx_leave', {}]);
      else s.t.gateway.detach(s.conn);
      await flush();
      expect(s.members()).toBe(1);
      await s.retryUntilSent();
      expect(s.members()).toBe(0);
    }
  });

  it('a track after a failed untrack wins: the waiting leave is not sent after it', async () => {
    const s = await setup();
    s.presence.failures = 1;
    await s.send(['1', '3', 'realtime:room', 'presence', { type: 'presence', event: 'untrack' }]);
    await s.send(['1', '5', 'realtime:room', 'presence', { type: 'presence', event: 'track', payload: { v: 2 } }]);
    await s.retryUntilSent();
    expect(s.members()).toBe(1);
    expect(s.presence.commands.map((c) => c.op)).toEqual(['TRACK', 'TRACK']);
  });

  it('a track whose send failed is answered with an error, and the same track sent again goes through', async () => {
    const s = await setup();
    s.presence.trackFailures = 1;
    await s.send(['1', '7', 'realtime:room', 'presence', { type: 'presence', event: 'track', payload: { v: 2 } }]);
    const reply = (ref: string) => (s.socket.json() as unknown[][]).find((f) => f[1] === ref && f[3] === 'phx_reply')?.[4];
    expect(reply('7')).toEqual({ status: 'error', response: {} });
    expect(s.t.gateway.presence.pendingLeaves).toBe(0); // the first track {v: 1} is still there: nothing to leave
    await s.send(['1', '8', 'realtime:room', 'presence', { type: 'presence', event: 'track', payload: { v: 2 } }]);
    expect(reply('8')).toEqual({ status: 'ok', response: {} });
    const metas = [...s.presence.channels.values()].flatMap((m) => [...m.values()].map((x) => x.meta.v));
    expect(metas).toEqual([2]);
  });
});
