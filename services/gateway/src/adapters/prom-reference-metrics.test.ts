import { describe, expect, it } from 'vitest';
import { createRegistry } from '@realtime/metrics';
import { promReferenceMetrics } from './prom-reference-metrics.ts';

describe('reference-named gateway metrics', () => {
  it('sums the tallies into per-tenant and global series at scrape time', async () => {
    const registry = createRegistry('gateway', false);
    const m = promReferenceMetrics(registry);
    const a = m.tenant('a');
    a.connections = 2;
    a.outputBytes += 100;
    m.tenant('b').outputBytes += 20;
    expect(m.tenant('a')).toBe(a); // one object per tenant: connections keep it
    const text = await registry.metrics();
    expect(text).toMatch(/^realtime_connections_connected\{tenant="a",service="gateway"\} 2$/m);
    expect(text).not.toMatch(/^realtime_connections_connected\{tenant="b"/m); // no sockets: no series
    expect(text).toMatch(/^realtime_channel_output_bytes\{tenant="b",service="gateway"\} 20$/m);
    expect(text).toMatch(/^realtime_channel_global_output_bytes\{service="gateway"\} 120$/m);
    expect(text).toMatch(/^realtime_channel_joins\{tenant="a",service="gateway"\} 0$/m);
  });

  it('drops the series of a tenant without sockets for 10 minutes; global counters keep its counts', async () => {
    let now = 0;
    const registry = createRegistry('gateway', false);
    const m = promReferenceMetrics(registry, { now: () => now });
    const gone = m.tenant('gone');
    gone.events = 3;
    m.authorizationCheck('read', 0.02, 'gone');
    m.channelJoined.error('gone', 'Unauthorized');
    m.tenant('here').connections = 1;
    await registry.metrics(); // vacancy noticed
    now = 9 * 60_000;
    expect(await registry.metrics()).toContain('tenant="gone"');
    now = 10 * 60_000;
    const text = await registry.metrics();
    expect(text).not.toContain('tenant="gone"');
    expect(text).toMatch(/^realtime_channel_global_events\{service="gateway"\} 3$/m);
    expect(text).toMatch(/^realtime_channel_global_error\{code="Unauthorized",service="gateway"\} 1$/m);
    expect(text).toMatch(/^realtime_connections_connected\{tenant="here",service="gateway"\} 1$/m);
    expect(m.tenant('gone').events).toBe(0); // back later: counts again from zero, as a restarted counter
  });
});
