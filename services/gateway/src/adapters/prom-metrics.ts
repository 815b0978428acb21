// The core's counters as Prometheus series (listed in docs/METRICS.md), all starting at zero.
import { client, type Registry } from '@realtime/metrics';
import type { GatewayMetrics } from '../core/metrics.ts';

export function promGatewayMetrics(registry: Registry): GatewayMetrics {
  const gauge = (name: string, help: string) => new client.Gauge({ name, help, registers: [registry] });
  const counter = (name: string, help: string) => new client.Counter({ name, help, registers: [registry] });
  return {
    connections: gauge('realtime_connections_connected', 'WebSocket connections open on this gateway'),
    joins: counter('realtime_channel_joins_total', 'Channel joins accepted'),
    eventsIn: counter('realtime_channel_events_in_total', 'Broadcasts received from clients'),
    eventsOut: counter('realtime_channel_events_out_total', 'Frames delivered to subscribed channels'),
    malformedFrames: counter('realtime_malformed_frames_total', 'Inbound frames dropped as MalformedWebSocketMessage'),
    changesIn: counter('realtime_postgres_changes_in_total', 'Change events read from realtime.cdc (after dropping replayed duplicates)'),
  };
}
