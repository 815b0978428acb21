import { describe, expect, it } from 'vitest';
import { CatalogCache } from './catalog-cache.ts';

describe('CatalogCache', () => {
  it('answers from the cache within the TTL and loads again after it', async () => {
    let t = 0;
    let loads = 0;
    const cache = new CatalogCache<number>(1000, 10, () => t);
    const load = async () => ++loads;
    expect(await cache.get('a', load)).toBe(1);
    t = 999;
    expect(await cache.get('a', load)).toBe(1);
    t = 1000;
    expect(await cache.get('a', load)).toBe(2);
  });

  it('keeps at most maxEntries however many keys (roles) arrive, dropping the oldest load', async () => {
    const cache = new CatalogCache<string>(60_000, 100);
    for (let i = 0; i < 10_000; i++) await cache.get(`public.t\u0000role-${i}`, async () => 'cols');
    expect(cache.size).toBe(100);
    let loaded = false;
    await cache.get('public.t\u0000role-9999', async () => ((loaded = true), 'again'));
    expect(loaded).toBe(false); // the newest are kept
    await cache.get('public.t\u0000role-0', async () => ((loaded = true), 'again'));
    expect(loaded).toBe(true); // the oldest went
  });

  it('never keeps a failure', async () => {
    const cache = new CatalogCache<number>(60_000, 10);
    await expect(cache.get('a', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('a', async () => 7)).toBe(7);
  });
});
