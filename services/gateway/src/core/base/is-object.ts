// A JSON object (not null, not an array): the shape check of every payload the gateway reads.
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
