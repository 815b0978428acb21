// The one builder of presence keys in Redis, shared by gateways (snapshot on join, liveness) and
// presence-service (state, diffs, node clean-up). Every channel key is tenant-scoped; topics are
// URI-encoded so a `:` in a topic cannot collide with the separators.
//
//   rt:t:<tenant>:presence:<o|p>:<topic>:members   HASH  member id → {"key","meta"} (meta has phx_ref)
//   rt:t:<tenant>:presence:<o|p>:<topic>:state     HASH  version, offset (last applied command), diff (its diff)
//   rt:presence:epoch                              STRING identity of this Redis data set
//   rt:presence:nodes                              SET   gateway nodes that have members
//   rt:presence:node:<node>:alive                  STRING liveness, renewed by the gateway (PX NODE_TTL_MS)
//   rt:presence:node:<node>:channels               SET   channel ids (JSON) where the node has members
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

const base = (c: PresenceChannel) => `rt:t:${encodeURIComponent(c.tenant)}:presence:${c.private ? 'p' : 'o'}:${encodeURIComponent(c.topic)}`;

export const presenceKeys = {
  members: (c: PresenceChannel) => `${base(c)}:members`,
  state: (c: PresenceChannel) => `${base(c)}:state`,
  epoch: 'rt:presence:epoch',
  nodes: 'rt:presence:nodes',
  alive: (node: string) => `rt:presence:node:${encodeURIComponent(node)}:alive`,
  nodeChannels: (node: string) => `rt:presence:node:${encodeURIComponent(node)}:channels`,
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
