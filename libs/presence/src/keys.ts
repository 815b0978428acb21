// The one builder of presence keys in Redis, shared by gateways (snapshot on join, liveness) and
// presence-service (state, diffs, node clean-up). Every channel key is tenant-scoped; tenants and
// topics are URI-encoded so a `:` cannot collide with the separators and a `{` or `}` cannot end
// a hash tag early.
//
// Redis Cluster: the part in braces is the hash tag, the only part hashed to a slot. Each channel's
// keys share the tag {<tenant>:<o|p>:<topic>}, so one presence command (WATCH, MULTI/EXEC, the
// scripts over members + state) stays in one slot, and channels spread over the masters. The keys
// that span channels (the node registry and the epoch) share the one tag {presence-nodes}: a small
// slot written on a node's first join/last leave in a channel and on heartbeats, never per diff.
//
//   rt:t:{<tenant>:<o|p>:<topic>}:presence:members   HASH  member id → {"key","meta"} (meta has phx_ref)
//   rt:t:{<tenant>:<o|p>:<topic>}:presence:state     HASH  version, offset (last applied command), diff (its diff)
//   rt:{presence-nodes}:epoch                        STRING identity of this Redis data set
//   rt:{presence-nodes}:nodes                        SET   gateway nodes that have members
//   rt:{presence-nodes}:node:<node>:alive            STRING liveness, renewed by the gateway (PX NODE_TTL_MS)
//   rt:{presence-nodes}:node:<node>:channels         SET   channel ids (JSON) where the node has members
//
// Before hash tags (the layout until this version) the keys were rt:t:<tenant>:presence:… and
// rt:presence:…; nothing reads those any more (presence is ephemeral: the new epoch key is unset
// after an upgrade, so gateways re-assert their members under the new keys).
//
// Nothing here outlives its use: a channel without members has neither hash (presence-service
// deletes the state once the last leave's diff is published, with an expiry as a fallback), a node
// without members is in no set, and liveness keys expire.

export interface PresenceChannel {
  tenant: string;
  private: boolean;
  /** Subtopic, without `realtime:`. */
  topic: string;
}

/** The channel's hash tag: every key of one channel hashes to one Redis Cluster slot. */
export const channelTag = (c: PresenceChannel) => `{${encodeURIComponent(c.tenant)}:${c.private ? 'p' : 'o'}:${encodeURIComponent(c.topic)}}`;
const base = (c: PresenceChannel) => `rt:t:${channelTag(c)}:presence`;
/** The node registry's hash tag (nodes, their channels, liveness, epoch): one slot. */
const NODES = 'rt:{presence-nodes}';

export const presenceKeys = {
  members: (c: PresenceChannel) => `${base(c)}:members`,
  state: (c: PresenceChannel) => `${base(c)}:state`,
  epoch: `${NODES}:epoch`,
  nodes: `${NODES}:nodes`,
  alive: (node: string) => `${NODES}:node:${encodeURIComponent(node)}:alive`,
  nodeChannels: (node: string) => `${NODES}:node:${encodeURIComponent(node)}:channels`,
};

/** A channel as a member of a node's channel set (and back). */
export const channelId = (c: PresenceChannel) => JSON.stringify([c.tenant, c.private, c.topic]);
export function parseChannelId(id: string): PresenceChannel {
  const [tenant, isPrivate, topic] = JSON.parse(id) as [string, boolean, string];
  return { tenant, private: isPrivate, topic };
}

/** One tracked presence: a channel of a connection on a gateway node. */
export const memberId = (node: string, connectionId: string, joinRef: string | null) => `${node}|${connectionId}|${joinRef ?? ''}`;
export const nodeOfMember = (id: string) => id.slice(0, id.indexOf('|'));

/** Liveness: gateways renew every NODE_RENEW_MS a key that lives NODE_TTL_MS; presence-service
 *  looks every NODE_CHECK_MS. A dead node's members leave within NODE_TTL_MS + NODE_CHECK_MS + the
 *  time to process its NODE_DOWN commands: about twice the TTL at most. */
export const NODE_TTL_MS = 5000;
export const NODE_RENEW_MS = 1500;
export const NODE_CHECK_MS = 1000;
