// Secrets a service must refuse to start with. The manifests and examples we ship once carried
// values such as `replace-me`; a deployment that forgets to fill one in would otherwise run with a
// secret anyone can read in the repository (API tokens forged, /metrics open, tenant secrets
// decryptable). The checks never put the value itself in a message.

/** Words that mark a value as an example rather than a secret (compared without case). */
const PLACEHOLDERS = [
  /replace[-_ ]?(me|with|this)/i, /change[-_ ]?(me|it|this)/i, /your[-_ ]?(super[-_ ]?)?secret/i,
  /placeholder/i, /example/i, /\bdummy\b/i, /\bfixme\b/i, /\btodo\b/i, /<[^>]*>/,
  /^(secret|password|passwd|changeme|default|test|admin|token|key)$/i,
];
/** Fewer distinct characters than this is a pattern (`aaaa…`, `0000…`, `abab…`), not a secret. */
const MIN_DISTINCT = 8;

/** Why `value` is not acceptable as a secret of at least `minBytes` bytes, or null when it is. */
export function weakSecretReason(value: string, minBytes: number): string | null {
  if (PLACEHOLDERS.some((p) => p.test(value))) return 'is a placeholder, not a secret (generate one, e.g. `openssl rand -hex 32`)';
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes < minBytes) return `must be at least ${minBytes} bytes (got ${bytes}; e.g. \`openssl rand -hex 32\`)`;
  if (new Set(value).size < MIN_DISTINCT) return `has fewer than ${MIN_DISTINCT} distinct characters: not a random secret`;
  return null;
}
