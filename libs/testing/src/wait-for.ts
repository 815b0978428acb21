import { randomBytes } from 'node:crypto';

/** Retries an assertion until it stops throwing; rethrows its last error at the timeout. */
export async function waitFor<T>(assertion: () => T | Promise<T>, { timeout = 10_000, interval = 50 } = {}): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, interval));
    }
  }
}

/** `${prefix}_${8 random lowercase alphanumerics}`: safe as a database, topic or key name. */
export function uniqueName(prefix: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `${prefix}_${[...randomBytes(8)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}
