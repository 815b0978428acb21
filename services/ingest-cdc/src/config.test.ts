import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { generateAuditKeys } from '@realtime/audit';
import { ingestCdcConfig } from './config.ts';

const base = { DB_ENC_KEY: 'a8Kq2Lz0Pv7Xw3Nb5Rt9Yc1Hm6Jd4Gf8' };
const problems = (env: Record<string, string>) => {
  try {
    ingestCdcConfig.load({ ...base, ...env });
    return [];
  } catch (err) {
    return (err as { problems: string[] }).problems;
  }
};

describe('INGEST_CDC_AUDIT_SIGNING_KEY', () => {
  it('is optional (the chain is then written unsigned) and takes an Ed25519 key', () => {
    expect(ingestCdcConfig.load(base).config.auditSigningKey).toBe('');
    const { privateKey } = generateAuditKeys();
    expect(ingestCdcConfig.load({ ...base, INGEST_CDC_AUDIT_SIGNING_KEY: privateKey }).config.auditSigningKey).toBe(privateKey);
  });

  it('refuses a placeholder like every other secret, and a key that is not Ed25519, without echoing it', () => {
    expect(problems({ INGEST_CDC_AUDIT_SIGNING_KEY: 'replace-me' })).toEqual([expect.stringMatching(/^INGEST_CDC_AUDIT_SIGNING_KEY: is a placeholder/)]);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    const found = problems({ INGEST_CDC_AUDIT_SIGNING_KEY: rsa });
    expect(found).toEqual(['INGEST_CDC_AUDIT_SIGNING_KEY: the private key is rsa, not Ed25519']);
    const random = 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A=';
    expect(problems({ INGEST_CDC_AUDIT_SIGNING_KEY: random })).toEqual([expect.stringMatching(/not an Ed25519 private key: expected PEM, or base64 of the PKCS#8 DER/)]);
    expect(JSON.stringify(problems({ INGEST_CDC_AUDIT_SIGNING_KEY: random }))).not.toContain(random);
  });
});
