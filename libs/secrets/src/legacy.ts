// Reading secrets exported from a reference deployment (docs/PROTOCOL.md §8 "Encryption") so they can be
// imported: its legacy form is AES-128-ECB with PKCS#7 padding under a 16-byte key, stored as plain
// base64 with no prefix. ECB has no IV and no tag, so a wrong key is only caught by the padding
// check (and, below, by requiring UTF-8); that is why this is read-only: writes stay g1: (GCM).
// Its newer form is the same g1: layout as ours, under its own 32-byte key, read by `decrypt`.
import { createDecipheriv } from 'node:crypto';
import { decrypt, isEncrypted, SecretsError } from './index.ts';

const LEGACY_KEY_BYTES = 16;
const BLOCK = 16;

/** Decrypts a legacy value: base64(AES-128-ECB(PKCS#7(plaintext))). Throws SecretsError. */
export function decryptLegacy(value: string, key: Buffer): string {
  if (key.length !== LEGACY_KEY_BYTES) throw new SecretsError(`legacy key must be ${LEGACY_KEY_BYTES} bytes, got ${key.length}`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw new SecretsError('legacy value is not base64');
  const raw = Buffer.from(value, 'base64');
  if (raw.length === 0 || raw.length % BLOCK !== 0) throw new SecretsError('legacy value is not a whole number of AES blocks');
  const decipher = createDecipheriv('aes-128-ecb', key, null);
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(raw), decipher.final()]);
  } catch {
    throw new SecretsError('legacy value failed to decrypt (wrong key or not encrypted)');
  }
  // Bad padding catches a wrong key only ~255 times in 256; invalid UTF-8 catches most of the rest.
  const text = new TextDecoder('utf-8', { fatal: true });
  try {
    return text.decode(plain);
  } catch {
    throw new SecretsError('legacy value failed to decrypt (wrong key or not encrypted)');
  }
}

/** A 16-byte legacy key as the reference reads DB_ENC_KEY: 16 raw characters (or 32 hex). */
export function parseLegacyKey(str: string): Buffer {
  if (/^[0-9a-fA-F]{32}$/.test(str)) return Buffer.from(str, 'hex');
  if (Buffer.byteLength(str, 'utf8') === LEGACY_KEY_BYTES) return Buffer.from(str, 'utf8');
  throw new SecretsError(`legacy key must be ${LEGACY_KEY_BYTES} raw characters or ${LEGACY_KEY_BYTES * 2} hex characters`);
}

export interface ReferenceKeys {
  /** The reference's DB_ENC_KEY (16 bytes), for values in the legacy form. */
  legacy?: Buffer;
  /** The reference's DB_ENC_KEY_GCM (32 bytes), for g1: values. */
  gcm?: Buffer;
}

/** Decrypts a value stored by the reference in either of its forms, picked by the g1: prefix. */
export function decryptReference(value: string, keys: ReferenceKeys): string {
  if (isEncrypted(value)) {
    if (!keys.gcm) throw new SecretsError('value is in the g1: (GCM) form but no GCM key was given');
    return decrypt(value, keys.gcm);
  }
  if (!keys.legacy) throw new SecretsError('value is in the legacy (AES-128-ECB) form but no legacy key was given');
  return decryptLegacy(value, keys.legacy);
}
