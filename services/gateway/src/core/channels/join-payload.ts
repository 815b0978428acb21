// docs/PROTOCOL.md §3.2: an invalid phx_join payload does not fail the join; the reference logs
// InvalidJoinPayload and goes on with defaults. This names what was invalid, for that log line.
// A payload without `config` is the legacy join form, not an invalid one.
import { isObject } from '../base/is-object.ts';

const BOOLEAN_KEYS: Record<string, string[]> = { broadcast: ['self', 'ack', 'replication_ready'], presence: ['enabled'] };

const isFlexibleBool = (v: unknown) => v === undefined || typeof v === 'boolean' || v === 'true' || v === 'false';

/** What in the payload had to be replaced by a default, or null when it is valid. */
export function joinPayloadProblem(payload: unknown): string | null {
  if (!isObject(payload)) return 'payload is not an object';
  if (payload.config === undefined) return null;
  const config = payload.config;
  if (!isObject(config)) return 'config is not an object';
  if (!isFlexibleBool(config.private)) return 'config.private is not a boolean';
  for (const [section, keys] of Object.entries(BOOLEAN_KEYS)) {
    const value = config[section];
    if (value === undefined) continue;
    if (!isObject(value)) return `config.${section} is not an object`;
    const bad = keys.find((k) => !isFlexibleBool(value[k]));
    if (bad) return `config.${section}.${bad} is not a boolean`;
  }
  if (config.postgres_changes !== undefined && !Array.isArray(config.postgres_changes)) return 'config.postgres_changes is not a list';
  return null;
}
