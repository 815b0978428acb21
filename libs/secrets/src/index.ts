// Encryption of secrets at rest (tenant jwt_secret, extension db_* settings), docs/PROTOCOL.md §8 "Encryption".
// Wire layout of a value: "g1:" + base64( iv[12] ‖ tag[16] ‖ ciphertext ), AES-256-GCM, empty AAD,
// a fresh random IV per value, so equal plaintexts never produce equal ciphertexts.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const PREFIX = 'g1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export class SecretsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretsError';
  }
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new SecretsError(`key must be ${KEY_BYTES} bytes, got ${key.length}`);
}

export function encrypt(plaintext: string, key: Buffer): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** Throws SecretsError on a foreign format, a wrong key or any tampering (GCM tag mismatch). */
export function decrypt(value: string, key: Buffer): string {
  checkKey(key);
  if (!isEncrypted(value)) throw new SecretsError('not a g1: value');
  const raw = Buffer.from(value.slice(PREFIX.length), 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretsError('g1: value too short');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretsError('g1: value failed authentication (wrong key or tampered)');
  }
}

export function isEncrypted(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX);
}

/** Accepts a key as 32 raw characters, 64 hex characters, or base64 of 32 bytes. */
export function parseEncKey(str: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(str)) return Buffer.from(str, 'hex');
  if (Buffer.byteLength(str, 'utf8') === KEY_BYTES) return Buffer.from(str, 'utf8');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(str)) {
    const buf = Buffer.from(str, 'base64');
    if (buf.length === KEY_BYTES) return buf;
  }
  throw new SecretsError('encryption key must be 32 raw characters, 64 hex characters or base64 of 32 bytes');
}
export { mapJwkSecrets } from './jwks.ts';
export { decryptLegacy, decryptReference, parseLegacyKey, type ReferenceKeys } from './legacy.ts';
