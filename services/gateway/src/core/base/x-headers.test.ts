import { describe, expect, it } from 'vitest';
import { MAX_X_HEADER_BYTES, MAX_X_HEADERS, NO_HEADERS, xHeaders } from './x-headers.ts';

describe('xHeaders', () => {
  it('keeps only x- headers, names lowercased, repeats joined', () => {
    const got = xHeaders({ host: 'a.local', 'X-App-Id': 'web', 'x-tag': ['a', 'b'], authorization: 'Bearer t', 'x-none': undefined });
    expect(got).toEqual({ 'x-app-id': 'web', 'x-tag': 'a, b' });
    expect(Object.isFrozen(got)).toBe(true);
  });

  it('shares one empty object when there is nothing to keep', () => {
    expect(xHeaders({ host: 'a.local' })).toBe(NO_HEADERS);
  });

  it('stops at MAX_X_HEADERS headers', () => {
    const raw = Object.fromEntries(Array.from({ length: MAX_X_HEADERS + 20 }, (_, i) => [`x-h${i}`, 'v']));
    const got = xHeaders(raw);
    expect(Object.keys(got)).toHaveLength(MAX_X_HEADERS);
    expect(got['x-h0']).toBe('v');
    expect(got[`x-h${MAX_X_HEADERS}`]).toBeUndefined();
  });

  it('stops before MAX_X_HEADER_BYTES of names and values', () => {
    const big = 'v'.repeat(3000);
    const got = xHeaders({ 'x-a': big, 'x-b': big, 'x-c': big, 'x-d': 'small' });
    expect(Object.keys(got)).toEqual(['x-a', 'x-b']);
    const size = Object.entries(got).reduce((n, [k, v]) => n + k.length + v.length, 0);
    expect(size).toBeLessThanOrEqual(MAX_X_HEADER_BYTES);
  });
});
