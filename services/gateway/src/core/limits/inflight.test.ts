import { describe, expect, it } from 'vitest';
import { InflightBudget } from './inflight.ts';

describe('REST in-flight budget', () => {
  it('refuses past the tenant share and past the total, and frees on release', () => {
    const budget = new InflightBudget({ totalBytes: 100, tenantBytes: 60 });
    expect(budget.tryReserve('a', 50)).toBe(true);
    expect(budget.tryReserve('a', 20)).toBe(false); // a's share
    expect(budget.tryReserve('b', 50)).toBe(true);
    expect(budget.tryReserve('c', 1)).toBe(false); // the total
    budget.release('a', 50);
    expect(budget.tryReserve('c', 50)).toBe(true);
    expect(budget.total).toBe(100);
    budget.release('b', 50);
    budget.release('c', 50);
    expect(budget.total).toBe(0);
  });
});
