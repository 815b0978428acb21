// The service's series as Prometheus metrics (listed in docs/METRICS.md), all starting at zero.
import { client, type Registry } from '@realtime/metrics';
import type { PresenceMetrics } from '../ports.ts';

export function promPresenceMetrics(registry: Registry): PresenceMetrics {
  const counter = (name: string, help: string) => new client.Counter({ name, help, registers: [registry] });
  return {
    commands: counter('realtime_presence_commands_total', 'Presence commands consumed from realtime.presence.commands (replays included)'),
    diffs: counter('realtime_presence_diffs_total', 'Presence diffs published to realtime.presence.events (re-publications included)'),
    failed: counter('realtime_presence_commands_failed_total', 'Presence commands skipped after a failure that retrying cannot fix (not Redis being unreachable)'),
    nodesDown: counter('realtime_presence_nodes_down_total', 'Gateway nodes found dead (liveness key expired) whose presences were removed'),
    members: new client.Gauge({
      name: 'realtime_presence_members', registers: [registry],
      help: 'Presences in the channels this instance owns and applied a command to since it got their partition (sum over instances)',
    }),
  };
}
