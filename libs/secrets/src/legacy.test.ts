import { describe, expect, it } from 'vitest';
import { createCipheriv, randomBytes } from 'node:crypto';
import { decryptLegacy, decryptReference, encrypt, parseLegacyKey, SecretsError } from './index.ts';

// Fixtures made here the way the reference stores them: base64(AES-128-ECB, PKCS#7 padding).
function legacyEncrypt(text: string, key: Buffer): string {
  const cipher = createCipheriv('aes-128-ecb', key, null);
  return Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]).toString('base64');
}

const key = Buffer.from('0123456789abcdef');

describe('decryptLegacy', () => {
  it('reads values of every padding length, including empty-block-aligned and non-ASCII ones', () => {
    for (const text of ['', 'a', 'x'.repeat(15), 'y'.repeat(16), 'super-secret-jwt-token-with-at-least-32-characters', 'пароль ✓']) {
      expect(decryptLegacy(legacyEncrypt(text, key), key)).toBe(text);
    }
  });

  it('refuses a wrong key, a plaintext, a truncated value and a wrong key size', () => {
    const value = legacyEncrypt('super-secret-jwt-token-with-at-least-32-characters', key);
    let refused = 0;
    for (let i = 0; i < 20; i++) {
      try {
        decryptLegacy(value, randomBytes(16));
      } catch (err) {
        expect(err).toBeInstanceOf(SecretsError);
        refused++;
      }
    }
    expect(refused).toBe(20);
    expect(() => decryptLegacy('not base64!', key)).toThrow(/base64/);
    expect(() => decryptLegacy(value.slice(0, 8), key)).toThrow(SecretsError);
    expect(() => decryptLegacy('', key)).toThrow(/blocks/);
    expect(() => decryptLegacy(value, randomBytes(32))).toThrow(/16 bytes/);
  });

  it('never puts the key or the plaintext in its messages', () => {
    try {
      decryptLegacy(legacyEncrypt('the-plaintext', key), Buffer.from('fedcba9876543210'));
    } catch (err) {
      expect(String(err)).not.toContain('the-plaintext');
      expect(String(err)).not.toContain('fedcba9876543210');
    }
  });
});

describe('parseLegacyKey', () => {
  it('accepts 16 raw characters and 32 hex characters, nothing else', () => {
    expect(parseLegacyKey('0123456789abcdef')).toEqual(key);
    expect(parseLegacyKey(key.toString('hex'))).toEqual(key);
    for (const bad of ['', 'short', 'a'.repeat(17), 'a'.repeat(32 + 1)]) expect(() => parseLegacyKey(bad)).toThrow(SecretsError);
  });
});

describe('decryptReference', () => {
  const gcm = randomBytes(32);
  it('picks the form by the g1: prefix', () => {
    expect(decryptReference(legacyEncrypt('old', key), { legacy: key, gcm })).toBe('old');
    expect(decryptReference(encrypt('new', gcm), { legacy: key, gcm })).toBe('new');
  });
  it('says which key is missing', () => {
    expect(() => decryptReference(encrypt('new', gcm), { legacy: key })).toThrow(/GCM key/);
    expect(() => decryptReference(legacyEncrypt('old', key), { gcm })).toThrow(/legacy key/);
  });
});
