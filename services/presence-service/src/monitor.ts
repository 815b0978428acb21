// Gateway liveness. Every NODE_CHECK_MS: re-assert the Redis epoch, then for each node with members
// whose liveness key expired, send one NODE_DOWN per channel it has members in, to the commands
// topic keyed by that channel, so the channel's owner applies it in order with the channel's other
// commands. A node still listed a few seconds later (its commands not applied yet, or lost) is sent
// again; several presence-service instances may do the same at once: NODE_DOWN is idempotent.
import { NODE_CHECK_MS, NODE_TTL_MS, type PresenceChannel } from '@realtime/presence';
import type { PresenceCommand } from '@realtime/schemas';
import { ErrorCodes, errorCodeOf } from '@realtime/errors';
import type { Logger } from '@realtime/log';
import type { CommandSink, NodeRegistry, PresenceMetrics } from './ports.ts';

/** How long a node's NODE_DOWN commands get to be applied before they are sent again. */
export const REEMIT_MS = NODE_TTL_MS;

export interface MonitorDeps {
  registry: NodeRegistry;
  commands: CommandSink;
  metrics: PresenceMetrics;
  log: Logger;
  intervalMs?: number;
  reemitMs?: number;
  now?: () => number;
}

export function createNodeMonitor({ registry, commands, metrics, log, intervalMs = NODE_CHECK_MS, reemitMs = REEMIT_MS, now = Date.now }: MonitorDeps) {
  const sentAt = new Map<string, number>();

  async function tick(): Promise<void> {
    await registry.ensureEpoch();
    const dead = new Set(await registry.deadNodes());
    for (const node of sentAt.keys()) if (!dead.has(node)) sentAt.delete(node);
    for (const node of dead) {
      const last = sentAt.get(node);
      if (last !== undefined && now() - last < reemitMs) continue;
      const channels = await registry.channelsOf(node);
      if (channels.length === 0) {
        await registry.forgetIfIdle(node);
        continue;
      }
      await commands.send(channels.map((c) => nodeDown(node, c, now())));
      if (last === undefined) {
        metrics.nodesDown.inc();
        log.info({ node, channels: channels.length }, 'gateway node down: removing its presences');
      }
      sentAt.set(node, now());
    }
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const schedule = () => {
    timer = setTimeout(() => {
      running = tick()
        .catch((err) => log.error({ code: errorCodeOf(err) ?? ErrorCodes.UnknownError, err: String(err) }, 'node liveness check failed; retried next tick'))
        .finally(() => void (stopped || schedule()));
    }, intervalMs);
  };

  return {
    tick,
    start: () => schedule(),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

export function nodeDown(node: string, channel: PresenceChannel, at: number): PresenceCommand {
  return {
    tenant: channel.tenant, topic: channel.topic, private: channel.private, op: 'NODE_DOWN', node,
    connection_id: '', join_ref: null, key: null, meta_json: null, phx_ref: null, at,
  };
}
