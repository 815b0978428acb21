import { describe, expect, it } from 'vitest';
import { defaultTopicSpecs, recordKeys, topicNames } from './topics.ts';

describe('topicNames', () => {
  it('pins the default names', () => {
    expect(topicNames()).toEqual({
      tenants: 'realtime.tenants',
      cdc: 'realtime.cdc',
      cdcCheckpoints: 'realtime.cdc.checkpoints',
      broadcast: 'realtime.broadcast',
      presenceCommands: 'realtime.presence.commands',
      presenceEvents: 'realtime.presence.events',
      usage: 'realtime.usage',
      limits: 'realtime.limits',
    });
  });

  it('puts the prefix in front of every name', () => {
    expect(Object.values(topicNames('t-42.')).every((n) => n.startsWith('t-42.'))).toBe(true);
    expect(topicNames('t-42.').presenceEvents).toBe('t-42.presence.events');
  });
});

describe('defaultTopicSpecs', () => {
  it('compacts exactly the state topics', () => {
    const compacted = Object.entries(defaultTopicSpecs).filter(([, s]) => s.config['cleanup.policy'] === 'compact').map(([k]) => k);
    expect(compacted.sort()).toEqual(['limits', 'tenants']);
  });

  it('keeps broadcast for an hour and cdc for 30 days', () => {
    expect(defaultTopicSpecs.broadcast.config['retention.ms']).toBe('3600000');
    expect(defaultTopicSpecs.cdc.config['retention.ms']).toBe(String(30 * 24 * 3_600_000));
    expect(defaultTopicSpecs.cdcCheckpoints.config['retention.ms']).toBe(defaultTopicSpecs.cdc.config['retention.ms']);
    expect(defaultTopicSpecs.tenants.partitions).toBe(8);
    expect(defaultTopicSpecs.usage.partitions).toBe(4);
  });
});

describe('recordKeys', () => {
  it('pins the key formats', () => {
    expect(recordKeys.tenant('realtime-dev')).toBe('realtime-dev');
    expect(recordKeys.channel('realtime-dev', true, 'room:1')).toBe('realtime-dev:p:room:1');
    expect(recordKeys.channel('realtime-dev', false, 'room:1')).toBe('realtime-dev:o:room:1');
    expect(recordKeys.limit('realtime-dev', 'events_per_second')).toBe('realtime-dev:events_per_second');
  });
});
