import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { checkpointSignatureProblem, signCheckpoint } from './checkpoint.ts';
import { recordHash } from './chain.ts';
import { AuditKeyError, generateAuditKeys, keyId, parseSigningKey, parseVerifyKey } from './keys.ts';

const keys = generateAuditKeys();
const head = { hash: recordHash(Buffer.from('record')), commitLsn: '0/16B3748', commitLsnNum: 0x16b3748, seq: 3 };
const signed = () => signCheckpoint('t1', head, { key: parseSigningKey(keys.privateKey), node: 'ingest-cdc-1', signedAt: 1_763_800_000_000 });

describe('checkpoint signatures', () => {
  it('verify with the public key alone', () => {
    const c = signed();
    expect(c).toMatchObject({ tenant: 't1', commit_lsn_num: 0x16b3748, seq: 3, key_id: keyId(parseVerifyKey(keys.publicKey)) });
    expect(checkpointSignatureProblem(c, parseVerifyKey(keys.publicKey))).toBeNull();
  });

  it.each([
    ['head_hash', { head_hash: recordHash(Buffer.from('other')) }],
    ['seq', { seq: 4 }],
    ['commit_lsn_num', { commit_lsn_num: 0x16b3749 }],
    ['tenant', { tenant: 't2' }],
    ['signed_at', { signed_at: 1_763_800_000_001 }],
  ])('fail when %s was changed after signing', (_field, change) => {
    expect(checkpointSignatureProblem({ ...signed(), ...change }, parseVerifyKey(keys.publicKey))).toBe('signature does not verify');
  });

  it('name the key when another key signed', () => {
    const other = generateAuditKeys();
    expect(checkpointSignatureProblem(signed(), parseVerifyKey(other.publicKey))).toMatch(/^signed with key [0-9a-f]{16}, not with the given public key/);
  });

  it('fail for a forged key id with a signature of another key', () => {
    const forged = signCheckpoint('t1', head, { key: parseSigningKey(generateAuditKeys().privateKey), node: 'x', signedAt: 1 });
    expect(checkpointSignatureProblem({ ...forged, key_id: signed().key_id }, parseVerifyKey(keys.publicKey))).toBe('signature does not verify');
  });
});

describe('audit keys', () => {
  it('are read as base64 DER or PEM, and a private key serves as a public one', () => {
    const pem = parseSigningKey(keys.privateKey).export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(keyId(parseSigningKey(pem))).toBe(keyId(parseVerifyKey(keys.publicKey)));
    expect(keyId(parseVerifyKey(pem))).toBe(keyId(parseVerifyKey(keys.publicKey)));
  });

  it('refuse what is not an Ed25519 key, saying what is expected', () => {
    expect(() => parseSigningKey('replace-me')).toThrow(AuditKeyError);
    expect(() => parseSigningKey('replace-me')).toThrow(/not an Ed25519 private key: expected PEM, or base64 of the PKCS#8 DER/);
    expect(() => parseVerifyKey(keys.privateKey)).toThrow(/not an Ed25519 public key/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => parseSigningKey(rsa)).toThrow(/is rsa, not Ed25519/);
  });
});
