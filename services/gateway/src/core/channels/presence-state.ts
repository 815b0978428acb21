// Presence state of one channel on this gateway (what it tracks, its snapshot progress). Apart
// from hub.ts so a Channel can hold it without importing the hub.
import type { PresenceDiff } from '@realtime/schemas';

export interface Tracked {
  key: string;
  metaJson: string;
  phxRef: string;
}

export interface ChannelPresence {
  key: string;
  tracked: Tracked | null;
  ready: boolean;
  buffer: PresenceDiff[];
  /** The buffer overflowed while the snapshot was read: read it again instead of delivering. */
  overflowed?: boolean;
  /** A presence_state was sent to the client. */
  synced?: boolean;
  /** The last snapshot read failed: read it again once Redis answers (heartbeat). */
  stale?: boolean;
  version: number;
  epoch: string;
  /** Times of this channel's presence messages (client rate limit). */
  calls: number[];
}
