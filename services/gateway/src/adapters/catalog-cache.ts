// The tenant database adapter's short-lived cache of catalog answers (tables, column privileges).
// Keys hold names from the tenant's changes and roles from its tokens, so a tenant that signs
// tokens with ever new roles could grow it without end: it keeps at most `maxEntries`, forgetting
// the least recently loaded first. A failed load is never kept.
export class CatalogCache<T> {
  readonly #entries = new Map<string, { at: number; value: Promise<T> }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(ttlMs: number, maxEntries: number, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#entries.get(key);
    if (hit && this.#now() - hit.at < this.#ttlMs) return hit.value;
    const value = load();
    this.#entries.delete(key); // re-inserted last: Map order is load order
    this.#entries.set(key, { at: this.#now(), value });
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    return value;
  }
}
