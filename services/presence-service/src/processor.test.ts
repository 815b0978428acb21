// The processor against in-memory fakes of our own ports: one Kafka send per round, per-channel
// order, commit marks only after the round's diffs are acknowledged, early stop on revocation.
import { describe, expect, it } from 'vitest';
import { createLogger } from '@realtime/log';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import type { PresenceCommand, PresenceDiff } from '@realtime/schemas';
import { createProcessor, type BatchControl, type Consumed } from './processor.ts';
import { MemberCounts } from './core/member-counts.ts';
import type { ApplyOutcome, PresenceStore } from './ports.ts';

const log = createLogger({ service: 'test', level: 'silent' });
const counter = () => ({ n: 0, inc(by = 1) { this.n += by; } });
const metrics = () => ({ commands: counter(), diffs: counter(), failed: counter(), nodesDown: counter(), members: { n: 0, set(n: number) { this.n = n; } } });

const cmd = (topic: string, key: string): PresenceCommand => ({
  tenant: 't', topic, private: false, op: 'TRACK', node: 'n', connection_id: key, join_ref: '1', key, meta_json: '{}', phx_ref: 'r', at: 0,
});
const consumed = (topics: string[]): Consumed[] => topics.map((t, i) => ({ command: cmd(t, `k${i}`), at: { partition: 0, offset: String(100 + i) } }));
const diffOf = (c: PresenceCommand, offset: string): PresenceDiff => ({ tenant: c.tenant, topic: c.topic, private: false, joins_json: c.key!, leaves_json: '{}', version: Number(offset), epoch: 'e', at: 0 });

/** Records calls; every command yields a diff named after its key. */
function fakeStore(outcome?: (c: PresenceCommand) => ApplyOutcome, forget: PresenceStore['forgetIfEmpty'] = async () => true): PresenceStore & { calls: string[] } {
  const calls: string[] = [];
  return { calls, apply: async (c, at) => (calls.push(c.key!), outcome?.(c) ?? { kind: 'applied', diff: diffOf(c, at.offset) }), forgetIfEmpty: forget };
}
function control(active = () => true): BatchControl & { marks: string[] } {
  const marks: string[] = [];
  return { marks, active, done: (o) => void marks.push(o), heartbeat: async () => {} };
}

describe('processor', () => {
  it('publishes one send per round, keeps each channel in order and marks the done prefix after each send', async () => {
    const sends: string[][] = [];
    const ctl = control();
    const m = metrics();
    const process = createProcessor({ store: fakeStore(), diffs: { publish: async (d) => void sends.push(d.map((x) => x.joins_json)) }, metrics: m, counts: new MemberCounts(), log });
    expect(await process(consumed(['a', 'b', 'a', 'c']), ctl)).toBe(true);
    expect(sends).toEqual([['k0', 'k1', 'k3'], ['k2']]);
    expect(ctl.marks).toEqual(['101', '103']);
    expect([m.commands.n, m.diffs.n]).toEqual([4, 4]);
  });

  it('marks nothing past a failed send, so the consumer replays from there', async () => {
    const ctl = control();
    let sends = 0;
    const process = createProcessor({ store: fakeStore(), diffs: { publish: async () => { if (++sends === 2) throw new Error('kafka down'); } }, metrics: metrics(), counts: new MemberCounts(), log });
    await expect(process(consumed(['a', 'a', 'a']), ctl)).rejects.toThrow('kafka down');
    expect(ctl.marks).toEqual(['100']);
  });

  it('stops before the next round once the partition is revoked', async () => {
    let rounds = 0;
    const ctl = control(() => rounds < 1);
    const store = fakeStore();
    const process = createProcessor({ store, diffs: { publish: async () => void rounds++ }, metrics: metrics(), counts: new MemberCounts(), log });
    expect(await process(consumed(['a', 'a']), ctl)).toBe(false);
    expect(store.calls).toEqual(['k0']);
  });

  it('counts commands without diffs (skipped, unchanged, ignored) and publishes only real diffs', async () => {
    const m = metrics();
    const published: PresenceDiff[] = [];
    const store = fakeStore((c) => (c.topic === 'x' ? { kind: 'ignored', diff: null, reason: 'bad' } : { kind: 'skipped', diff: null }));
    await createProcessor({ store, diffs: { publish: async (d) => void published.push(...d) }, metrics: m, counts: new MemberCounts(), log })(consumed(['x', 'y']), control());
    expect(published).toEqual([]);
    expect([m.commands.n, m.diffs.n]).toEqual([2, 0]);
  });

  it('sets realtime_presence_members from the channel sizes the store reports', async () => {
    const m = metrics();
    const sizes: Record<string, number> = { a: 2, b: 3 };
    const store = fakeStore((c) => ({ kind: 'unchanged', diff: null, members: sizes[c.topic]! }));
    const process = createProcessor({ store, diffs: { publish: async () => {} }, metrics: m, counts: new MemberCounts(), log });
    await process(consumed(['a', 'b']), control());
    expect(m.members.n).toBe(5);
    sizes.a = 0;
    await process(consumed(['a']), control());
    expect(m.members.n).toBe(3);
  });

  it('deletes the state of channels a round emptied only after their diffs were acknowledged', async () => {
    const events: string[] = [];
    const store = fakeStore(
      (c) => ({ kind: 'applied', diff: diffOf(c, '1'), members: c.topic === 'gone' ? 0 : 1 }),
      async (channel, at) => (events.push(`forget ${channel.topic}@${at.offset}`), true),
    );
    const process = createProcessor({ store, diffs: { publish: async (d) => void events.push(`publish ${d.length}`) }, metrics: metrics(), counts: new MemberCounts(), log });
    await process(consumed(['kept', 'gone']), control());
    expect(events).toEqual(['publish 2', 'forget gone@101']);
  });

  it('carries on when deleting an emptied channel fails (its state expires instead)', async () => {
    const ctl = control();
    const store = fakeStore((c) => ({ kind: 'applied', diff: diffOf(c, '1'), members: 0 }), async () => { throw new Error('redis down'); });
    const process = createProcessor({ store, diffs: { publish: async () => {} }, metrics: metrics(), counts: new MemberCounts(), log });
    expect(await process(consumed(['a', 'a']), ctl)).toBe(true);
    expect(ctl.marks).toEqual(['100', '101']);
  });

  it('skips and counts a command that fails for good; a retryable failure fails the batch instead', async () => {
    const m = metrics();
    const ctl = control();
    const published: string[] = [];
    const store = fakeStore((c) => {
      if (c.topic === 'bad') throw new RealtimeError(ErrorCodes.UnknownError, 'stored member does not parse');
      return { kind: 'applied', diff: diffOf(c, '1') };
    });
    const process = createProcessor({ store, diffs: { publish: async (d) => void published.push(...d.map((x) => x.joins_json)) }, metrics: m, counts: new MemberCounts(), log });
    expect(await process(consumed(['bad', 'ok']), ctl)).toBe(true);
    expect(published).toEqual(['k1']);
    expect(ctl.marks).toEqual(['101']);
    expect(m.failed.n).toBe(1);

    const down = fakeStore(() => { throw new RealtimeError(ErrorCodes.RedisUnavailable, 'redis down', { retryable: true }); });
    const ctl2 = control();
    await expect(createProcessor({ store: down, diffs: { publish: async () => {} }, metrics: m, counts: new MemberCounts(), log })(consumed(['a']), ctl2)).rejects.toThrow('redis down');
    expect(ctl2.marks).toEqual([]);
  });
});
