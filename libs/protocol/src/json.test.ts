import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestsDeeperThan, v1Serializer, v2Serializer } from './index.ts';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('JSON depth bound', () => {
  it('counts brackets outside strings only, escapes included', () => {
    expect(nestsDeeperThan(nested(3), 3)).toBe(false);
    expect(nestsDeeperThan(nested(4), 3)).toBe(true);
    expect(nestsDeeperThan(`["${'['.repeat(100)}", {"a\\"[[[[": [1]}]`, 3)).toBe(false);
  });

  it('refuses a deeply nested frame in both versions before it reaches a stack-bound walk', () => {
    // A million levels parsed fine but made every JSON.stringify after it throw (stack overflow).
    const deep = nested(1_000_000);
    expect(v2Serializer.decode(`["1","1","realtime:a","broadcast",${deep}]`)).toEqual({ type: 'error', reason: `JSON nests deeper than ${MAX_JSON_DEPTH} levels` });
    expect(v1Serializer.decode(`{"topic":"realtime:a","event":"broadcast","payload":${deep},"ref":"1"}`)).toMatchObject({ type: 'error' });
    const push = new Uint8Array([3, 0, 0, 1, 1, 0, 1, ...new TextEncoder().encode(`te${deep}`)]);
    expect(v2Serializer.decode(push)).toMatchObject({ type: 'error' });
    const within = nested(MAX_JSON_DEPTH - 1);
    const ok = v2Serializer.decode(`["1","1","realtime:a","broadcast",${within}]`);
    expect(ok).toMatchObject({ type: 'message' });
    expect(() => JSON.stringify(ok)).not.toThrow();
  });
});
