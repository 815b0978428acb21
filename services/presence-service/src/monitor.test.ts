// The liveness monitor against a fake NodeRegistry: one NODE_DOWN per channel of a dead node,
// keyed fields right, not re-sent within REEMIT_MS, idle nodes forgotten, the epoch re-asserted.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@realtime/log';
import type { PresenceChannel } from '@realtime/presence';
import type { PresenceCommand } from '@realtime/schemas';
import { createNodeMonitor } from './monitor.ts';
import type { NodeRegistry } from './ports.ts';

const log = createLogger({ service: 'test', level: 'silent' });

afterEach(() => void vi.useRealTimers());
const counter = () => ({ n: 0, inc(by = 1) { this.n += by; } });

function setup(channels: Record<string, PresenceChannel[]>) {
  const calls = { epoch: 0, forgotten: [] as string[] };
  let dead = Object.keys(channels);
  const registry: NodeRegistry = {
    ensureEpoch: async () => void calls.epoch++,
    deadNodes: async () => dead,
    channelsOf: async (node) => channels[node] ?? [],
    forgetIfIdle: async (node) => void calls.forgotten.push(node),
  };
  const sent: PresenceCommand[] = [];
  let clock = 1000;
  const metrics = { commands: counter(), diffs: counter(), failed: counter(), nodesDown: counter(), members: { set: () => {} } };
  const monitor = createNodeMonitor({ registry, commands: { send: async (c) => void sent.push(...c) }, metrics, log, reemitMs: 5000, now: () => clock });
  return { monitor, sent, calls, metrics, advance: (ms: number) => void (clock += ms), revive: (node: string) => void (dead = dead.filter((n) => n !== node)) };
}

const room = { tenant: 't1', private: true, topic: 'room' };
const lobby = { tenant: 't2', private: false, topic: 'lobby' };

describe('node monitor', () => {
  it('sends one NODE_DOWN per channel of a dead node and counts the node once', async () => {
    const s = setup({ 'gw-1': [room, lobby] });
    await s.monitor.tick();
    expect(s.sent).toEqual([
      { tenant: 't1', topic: 'room', private: true, op: 'NODE_DOWN', node: 'gw-1', connection_id: '', join_ref: null, key: null, meta_json: null, phx_ref: null, at: 1000 },
      { tenant: 't2', topic: 'lobby', private: false, op: 'NODE_DOWN', node: 'gw-1', connection_id: '', join_ref: null, key: null, meta_json: null, phx_ref: null, at: 1000 },
    ]);
    expect(s.metrics.nodesDown.n).toBe(1);
    expect(s.calls.epoch).toBe(1);
  });

  it('does not re-send for the same node within REEMIT_MS, then does (without counting it again)', async () => {
    const s = setup({ 'gw-1': [room] });
    await s.monitor.tick();
    s.advance(4000);
    await s.monitor.tick();
    expect(s.sent).toHaveLength(1);
    s.advance(1000);
    await s.monitor.tick();
    expect(s.sent).toHaveLength(2);
    expect(s.metrics.nodesDown.n).toBe(1);
  });

  it('forgets a dead node without channels and sends nothing for it', async () => {
    const s = setup({ 'gw-2': [] });
    await s.monitor.tick();
    expect(s.sent).toEqual([]);
    expect(s.calls.forgotten).toEqual(['gw-2']);
  });

  it('treats a node that died again after recovering as newly down', async () => {
    const s = setup({ 'gw-1': [room] });
    await s.monitor.tick();
    s.revive('gw-1');
    await s.monitor.tick();
    expect(s.sent).toHaveLength(1);
  });

  it('ticks on its own until stopped', async () => {
    const s = setup({ 'gw-1': [room] });
    const monitor = createNodeMonitor({ registry: { ensureEpoch: async () => void s.calls.epoch++, deadNodes: async () => [], channelsOf: async () => [], forgetIfIdle: async () => {} }, commands: { send: async () => {} }, metrics: s.metrics, log, intervalMs: 5 });
    // Vitest's fake timers are the clock here: the schedule advances without real sleeps.
    vi.useFakeTimers();
    monitor.start();
    await vi.advanceTimersByTimeAsync(60);
    await monitor.stop();
    const ticks = s.calls.epoch;
    expect(ticks).toBeGreaterThan(2);
    await vi.advanceTimersByTimeAsync(30);
    expect(s.calls.epoch).toBe(ticks);
  });
});
