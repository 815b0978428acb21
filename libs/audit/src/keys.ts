// Ed25519 keys of the checkpoint signatures. ingest-cdc holds the private key (a deployment
// secret, INGEST_CDC_AUDIT_SIGNING_KEY); auditors hold only the public key, so checkpoints verify
// without access to the cluster. Both are accepted as PEM or as base64 of the DER (PKCS#8 for the
// private key, SPKI for the public one), so a key fits in one environment variable.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

export class AuditKeyError extends Error {
  override name = 'AuditKeyError';
}

function load(text: string, kind: 'private' | 'public'): KeyObject {
  const trimmed = text.trim();
  const pem = trimmed.startsWith('-----BEGIN');
  let key: KeyObject;
  try {
    const der = pem ? undefined : Buffer.from(trimmed, 'base64');
    if (kind === 'private') key = pem ? createPrivateKey(trimmed) : createPrivateKey({ key: der!, format: 'der', type: 'pkcs8' });
    else key = pem ? createPublicKey(trimmed) : createPublicKey({ key: der!, format: 'der', type: 'spki' });
  } catch {
    throw new AuditKeyError(`not an Ed25519 ${kind} key: expected PEM, or base64 of the ${kind === 'private' ? 'PKCS#8' : 'SPKI'} DER`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new AuditKeyError(`the ${kind} key is ${key.asymmetricKeyType}, not Ed25519`);
  return key;
}

export const parseSigningKey = (text: string): KeyObject => load(text, 'private');

/** A public key; a private key is accepted too (its public half is used). */
export function parseVerifyKey(text: string): KeyObject {
  return text.includes('PRIVATE KEY') ? createPublicKey(load(text, 'private')) : load(text, 'public');
}

/** First 16 hex digits of the SHA-256 of the SPKI DER: names the key a checkpoint was signed with. */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 16);
}

/** A fresh pair, both as base64 DER (what the settings and `--public-key` files take). */
export function generateAuditKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}
