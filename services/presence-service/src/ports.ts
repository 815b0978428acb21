// What presence-service needs from outside. Only adapters/ know ioredis and kafkajs.
import type { PresenceChannel } from '@realtime/presence';
import type { PresenceCommand, PresenceDiff } from '@realtime/schemas';
import type { Scope } from './core/apply.ts';
import type { ChannelState, Plan, Position } from './core/step.ts';

export type ApplyOutcome =
  /** `members`: the channel's member count once the command is written (for realtime_presence_members). */
  | { kind: 'applied' | 'unchanged'; diff: PresenceDiff | null; members?: number }
  | { kind: 'skipped' | 'republished'; diff: PresenceDiff | null }
  | { kind: 'ignored'; diff: null; reason: string };

/** Channel state in Redis; presence-service is its only writer. */
export interface PresenceStore {
  /**
   * Applies `cmd`, consumed at `at`, exactly once: the state change, version, position and diff
   * are one transaction. Returns the diff to publish: a new one, the stored one again when `at`
   * is the last applied position, or null.
   */
  apply(cmd: PresenceCommand, at: Position): Promise<ApplyOutcome>;
  /**
   * Deletes the channel's state if the channel has no members and its last applied command is
   * still the one at `at`. Called once that command's diff is acknowledged by Kafka. True if deleted.
   */
  forgetIfEmpty(channel: PresenceChannel, at: Position): Promise<boolean>;
}

/**
 * What a command does to a channel (core/rules.ts), for the store to run between its read and its
 * write: the store reads `scope`, gets the writes and the diff from `plan`, and writes them.
 */
export interface PresenceRules {
  /** The members a command can touch: all the store has to read. */
  scope(cmd: PresenceCommand): Scope;
  plan(state: ChannelState, cmd: PresenceCommand, at: Position, now: number): Plan;
}

/** realtime.presence.events. Resolves once Kafka acknowledged every diff (acks=all). */
export interface DiffSink {
  publish(diffs: PresenceDiff[]): Promise<void>;
}

/** realtime.presence.commands, keyed by channel so the channel's owner applies them in order. */
export interface CommandSink {
  send(commands: PresenceCommand[]): Promise<void>;
}

/** Gateway liveness as the gateways record it in Redis. */
export interface NodeRegistry {
  /** SET epoch NX: a Redis that lost its data gets a new identity. */
  ensureEpoch(): Promise<void>;
  /** Nodes with members somewhere whose liveness key has expired. */
  deadNodes(): Promise<string[]>;
  channelsOf(node: string): Promise<PresenceChannel[]>;
  /** Drops the node from the node set if it has no channel left (atomically). */
  forgetIfIdle(node: string): Promise<void>;
}

export interface PresenceMetrics {
  commands: { inc(n?: number): void };
  diffs: { inc(n?: number): void };
  nodesDown: { inc(n?: number): void };
  /** Commands skipped after a failure that retrying cannot fix (processor.ts). */
  failed: { inc(n?: number): void };
  /** Members of the channels this instance owns and has touched (core/member-counts.ts). */
  members: { set(n: number): void };
}

/** One command as the consumer hands it to the processor, with where it sits in the topic. */
export interface Consumed {
  command: PresenceCommand;
  at: Position;
}

export interface BatchControl {
  /** False once the partition is revoked or the consumer stops: no further round starts. */
  active(): boolean;
  /** Every command up to and including `offset` is applied and its diff published. */
  done(offset: string): void;
  heartbeat(): Promise<void>;
}
