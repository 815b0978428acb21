import { describe, expect, it } from 'vitest';
import { scanBatch } from './batch-scan.ts';

const body = (n: number) => JSON.stringify({ messages: Array.from({ length: n }, (_, i) => ({ topic: 't', event: 'e', payload: { i, list: [1, 2, { a: '[,{' }] } })) });

describe('scanBatch', () => {
  it('counts the messages of the batch exactly, whatever their payloads hold', () => {
    expect(scanBatch(body(1000), 1000, 128)).toBe('ok');
    expect(scanBatch(body(1001), 1000, 128)).toBe('too_many');
    expect(scanBatch('{ "messages" : [ 1 , "a,b" , [2,3] , {"x":[4,5]} , null ] }', 5, 128)).toBe('ok');
    expect(scanBatch('{ "messages" : [ 1 , "a,b" , [2,3] , {"x":[4,5]} , null ] }', 4, 128)).toBe('too_many');
    expect(scanBatch('{"messages":[]}', 0, 128)).toBe('ok');
    expect(scanBatch('{"messages":"\\"[1,2,3]"}', 0, 128)).toBe('ok');
  });

  it('stops at the first level past the depth bound', () => {
    expect(scanBatch(`{"messages":[{"payload":${'['.repeat(125)}${']'.repeat(125)}}]}`, 10, 128)).toBe('ok');
    expect(scanBatch(`{"messages":[{"payload":${'['.repeat(1_000_000)}`, 10, 128)).toBe('too_deep');
  });

  it('leaves malformed JSON to the parser', () => {
    expect(scanBatch('{"messages":[{"a"', 10, 128)).toBe('ok');
    expect(scanBatch(']]]]', 10, 128)).toBe('ok');
  });
});
