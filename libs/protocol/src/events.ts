// Event and topic names of the Phoenix/realtime protocol (docs/PROTOCOL.md §2, §3, §4, §5, §6) and the
// reply shape every push gets (docs/PROTOCOL.md §2, §3.3, §3.4).
import type { Message } from './types.ts';

export const Events = {
  join: 'phx_join',
  leave: 'phx_leave',
  reply: 'phx_reply',
  close: 'phx_close',
  error: 'phx_error',
  heartbeat: 'heartbeat',
  accessToken: 'access_token',
  broadcast: 'broadcast',
  presence: 'presence',
  presenceState: 'presence_state',
  presenceDiff: 'presence_diff',
  postgresChanges: 'postgres_changes',
  system: 'system',
} as const;

export type EventName = (typeof Events)[keyof typeof Events];

/** The socket-level topic of heartbeats. */
export const PHOENIX_TOPIC = 'phoenix';

/** The prefix realtime-js puts on every channel topic (docs/PROTOCOL.md §3.1). */
export const CHANNEL_TOPIC_PREFIX = 'realtime:';

export type ReplyStatus = 'ok' | 'error';

/** Reasons of `error` replies that the protocol itself defines, not a catalog code (docs/PROTOCOL.md §3.1). */
export const ReplyReasons = {
  /** A push on a topic the socket has not joined (Phoenix's own answer). */
  unmatchedTopic: 'unmatched topic',
} as const;

type Addressed = Pick<Message, 'joinRef' | 'ref' | 'topic'>;

/** `phx_reply` to a push: echoes its join_ref and ref (docs/PROTOCOL.md §1.4). */
export function reply(msg: Addressed, status: ReplyStatus, response: unknown): Message {
  return { joinRef: msg.joinRef, ref: msg.ref, topic: msg.topic, event: Events.reply, payload: { status, response } };
}

/** `phx_close` after a leave or a server-side stop: `ref` equals the join_ref (docs/PROTOCOL.md §3.4). */
export function closeMessage(topic: string, joinRef: string | null): Message {
  return { joinRef, ref: joinRef, topic, event: Events.close, payload: {} };
}

/** `phx_error` of a crashed channel: addressed like `phx_close`; the client rejoins (docs/PROTOCOL.md §3.4). */
export function errorMessage(topic: string, joinRef: string | null): Message {
  return { joinRef, ref: joinRef, topic, event: Events.error, payload: { reason: 'channel_crash' } };
}
