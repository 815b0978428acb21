// A secret as a Supabase Realtime deployment stores it in its legacy form (docs/PROTOCOL.md §8): base64 of
// AES-128-ECB with PKCS#7 padding under its 16-byte DB_ENC_KEY. Only tests and benchmarks write this
// form, to make exports to import; the project itself only ever reads it.
import { createCipheriv } from 'node:crypto';

export function legacyEncrypt(text: string, key: Buffer): string {
  const cipher = createCipheriv('aes-128-ecb', key, null);
  return Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]).toString('base64');
}
