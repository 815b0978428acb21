// Local subscription index: which channels of this gateway listen to (tenant, public|private,
// subtopic). Public and private channels of one name are separate (docs/PROTOCOL.md §4).
import type { Channel } from './connection.ts';

export { channelKey } from './channel-key.ts';

export class ChannelRegistry {
  readonly #byKey = new Map<string, Set<Channel>>();

  add(channel: Channel): void {
    let set = this.#byKey.get(channel.key);
    if (!set) this.#byKey.set(channel.key, (set = new Set()));
    set.add(channel);
  }

  remove(channel: Channel): void {
    const set = this.#byKey.get(channel.key);
    if (!set) return;
    set.delete(channel);
    if (set.size === 0) this.#byKey.delete(channel.key);
  }

  subscribers(key: string): ReadonlySet<Channel> | undefined {
    return this.#byKey.get(key);
  }
}
