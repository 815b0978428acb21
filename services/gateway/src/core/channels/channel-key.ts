// Key of one channel name of one tenant: public and private channels of one name are separate
// (docs/PROTOCOL.md §4). Its own file so the registry, channels and presence share it without
// importing each other.
export function channelKey(tenant: string, isPrivate: boolean, subtopic: string): string {
  return `${tenant}\u0000${isPrivate ? 'p' : 'o'}\u0000${subtopic}`;
}
