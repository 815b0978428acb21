import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { decrypt, encrypt, isEncrypted, parseEncKey, SecretsError } from './index.ts';

const key = randomBytes(32);

describe('encrypt/decrypt', () => {
  it('round-trips, including empty and non-ASCII text', () => {
    for (const text of ['', 'super-secret-jwt-token-with-at-least-32-characters', 'пароль ✓']) {
      expect(decrypt(encrypt(text, key), key)).toBe(text);
    }
  });

  it('writes g1: + base64(iv12 ‖ tag16 ‖ ct) with a fresh IV each time', () => {
    const a = encrypt('hello', key);
    const b = encrypt('hello', key);
    expect(a.startsWith('g1:')).toBe(true);
    expect(a).not.toBe(b);
    expect(Buffer.from(a.slice(3), 'base64').length).toBe(12 + 16 + 5);
    expect(isEncrypted(a)).toBe(true);
    expect(isEncrypted('hello')).toBe(false);
  });

  it('detects tampering with the ciphertext, the tag and the IV', () => {
    const raw = Buffer.from(encrypt('payload', key).slice(3), 'base64');
    for (const index of [0, 12, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[index] = bad[index]! ^ 0x01;
      expect(() => decrypt('g1:' + bad.toString('base64'), key)).toThrow(SecretsError);
    }
  });

  it('rejects a wrong key, a foreign format, a short value and a bad key size', () => {
    const value = encrypt('payload', key);
    expect(() => decrypt(value, randomBytes(32))).toThrow(SecretsError);
    expect(() => decrypt('plain', key)).toThrow(/not a g1/);
    expect(() => decrypt('g1:AAAA', key)).toThrow(/too short/);
    expect(() => encrypt('x', randomBytes(16))).toThrow(/32 bytes/);
  });

  it('is decryptable by an independent implementation of the layout', async () => {
    const { createDecipheriv } = await import('node:crypto');
    const raw = Buffer.from(encrypt('interop', key).slice(3), 'base64');
    const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    expect(Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString()).toBe('interop');
  });
});

describe('parseEncKey', () => {
  const bytes = randomBytes(32);
  it('accepts 64 hex chars, base64 of 32 bytes and 32 raw chars', () => {
    expect(parseEncKey(bytes.toString('hex'))).toEqual(bytes);
    expect(parseEncKey(bytes.toString('base64'))).toEqual(bytes);
    expect(parseEncKey('a'.repeat(32))).toEqual(Buffer.from('a'.repeat(32)));
  });
  it('rejects anything else', () => {
    for (const bad of ['', 'short', 'a'.repeat(31), 'a'.repeat(33), randomBytes(16).toString('base64')]) {
      expect(() => parseEncKey(bad)).toThrow(SecretsError);
    }
  });
});
