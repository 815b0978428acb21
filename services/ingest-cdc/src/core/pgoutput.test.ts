import { describe, expect, it } from 'vitest';
import { readHexFixture } from '../../test/fixture-files.ts';
import { formatLsn, parseLsn } from './lsn.ts';
import { decodePgoutput, type PgoutputMessage } from './pgoutput.ts';
import { decodedFixture } from '../../test/replay.ts';

const scenarios = ['crud', 'composite-pk', 'replica-full', 'toast', 'truncate', 'multi-statement', 'types', 'origin-message'];
const tags = (messages: PgoutputMessage[]) => messages.map((m) => m.tag[0]).join('');
const of = <T extends PgoutputMessage['tag']>(messages: PgoutputMessage[], tag: T) => messages.filter((m): m is Extract<PgoutputMessage, { tag: T }> => m.tag === tag);

describe('LSN text form', () => {
  it('prints both halves in uppercase hex without padding, like Postgres', () => {
    expect(formatLsn(0x16b3748n)).toBe('0/16B3748');
    expect(formatLsn((0x16n << 32n) | 0xb374d848n)).toBe('16/B374D848');
    expect(formatLsn(0n)).toBe('0/0');
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(parseLsn('16-B3')).toBeNull();
  });
});

describe('decodePgoutput on bytes from a real Postgres', () => {
  it.each(scenarios)('decodes every message of %s exactly to its end', (name) => {
    for (const bytes of readHexFixture(name)) expect(decodePgoutput(bytes)).toMatchObject({ ok: true });
  });

  it('reads Begin, Relation, Insert, Update (with and without old key), Delete and Commit', () => {
    const m = decodedFixture('crud');
    expect(tags(m)).toBe('briicbucbucbdc');
    const [begin, commit] = [of(m, 'begin')[0]!, of(m, 'commit')[0]!];
    expect(begin.finalLsn).toEqual(commit.commitLsn); // Begin announces the commit's LSN
    expect(begin.timestamp).toBe(commit.timestamp);
    expect(commit.endLsn.num).toBeGreaterThan(commit.commitLsn.num);
    expect(commit.commitLsn.text).toBe(formatLsn(commit.commitLsn.num));
    expect(of(m, 'begin').map((b) => b.xid - begin.xid)).toEqual([0, 1, 2, 3]);
    expect(of(m, 'relation')).toEqual([{
      tag: 'relation', relationId: expect.any(Number), namespace: 'public', name: 'items', replicaIdentity: 'd',
      columns: [
        { isKey: true, name: 'id', typeOid: 23, typeModifier: -1 },
        { isKey: false, name: 'name', typeOid: 25, typeModifier: -1 },
        { isKey: false, name: 'qty', typeOid: 23, typeModifier: -1 },
      ],
    }]);
    expect(of(m, 'insert')[1]!.newTuple).toEqual([{ kind: 'text', value: '2' }, { kind: 'text', value: 'pear' }, { kind: 'null' }]);
    const [keptKey, newKey] = of(m, 'update');
    expect(keptKey).toMatchObject({ oldKind: null, oldTuple: null });
    // A key tuple has every column; the ones outside the key are NULL placeholders.
    expect(newKey).toMatchObject({ oldKind: 'K', oldTuple: [{ kind: 'text', value: '2' }, { kind: 'null' }, { kind: 'null' }] });
    expect(of(m, 'delete')[0]).toMatchObject({ oldKind: 'K', oldTuple: [{ kind: 'text', value: '10' }, { kind: 'null' }, { kind: 'null' }] });
  });

  it('sends whole old rows under REPLICA IDENTITY FULL, where every column is flagged as key', () => {
    const m = decodedFixture('replica-full');
    expect(of(m, 'relation')[0]).toMatchObject({ replicaIdentity: 'f', columns: [{ isKey: true }, { isKey: true }, { isKey: true }] });
    expect(of(m, 'update')[0]).toMatchObject({ oldKind: 'O', oldTuple: [{ value: '1' }, { value: 'first' }, { value: '7' }] });
    expect(of(m, 'delete')[0]).toMatchObject({ oldKind: 'O', oldTuple: [{ value: '1' }, { value: 'first' }, { value: '8' }] });
  });

  it("marks an unchanged TOASTed column 'u', while a FULL old row carries its value", () => {
    const [docs, docsFull] = of(decodedFixture('toast'), 'update');
    expect(docs!.newTuple[2]).toEqual({ kind: 'unchanged' });
    expect(docsFull!.newTuple[2]).toEqual({ kind: 'unchanged' });
    expect(docsFull!.oldTuple![2]).toMatchObject({ kind: 'text', value: expect.stringMatching(/^[0-9a-f]{4800}$/) });
  });

  it('reads Truncate options and relation lists', () => {
    const truncates = of(decodedFixture('truncate'), 'truncate');
    expect(truncates.map((t) => [t.relationIds.length, t.cascade, t.restartIdentity, t.options])).toEqual([[2, false, false, 0], [1, true, true, 3]]);
  });

  it('reads Type messages for user types, Origin and logical decoding messages', () => {
    expect(of(decodedFixture('types'), 'type')).toEqual([{ tag: 'type', typeOid: expect.any(Number), namespace: 'public', name: 'mood' }]);
    const m = decodedFixture('origin-message');
    expect(tags(m)).toBe('mbomric');
    expect(of(m, 'origin')[0]).toMatchObject({ name: 'fixture_origin' });
    expect(of(m, 'message').map((x) => [x.transactional, x.prefix, x.content.toString()])).toEqual([
      [false, 'prefix', 'non-transactional'],
      [true, 'prefix', 'in a transaction'],
    ]);
  });
});

describe('decodePgoutput on malformed bytes', () => {
  const insert = readHexFixture('crud')[2]!;

  it('returns typed errors', () => {
    expect(decodePgoutput(Buffer.alloc(0))).toMatchObject({ ok: false, error: { code: 'Empty' } });
    expect(decodePgoutput(Buffer.from('Zabc'))).toMatchObject({ ok: false, error: { code: 'UnknownMessageType', tag: 'Z' } });
    expect(decodePgoutput(Buffer.concat([insert, Buffer.from([0])]))).toMatchObject({ ok: false, error: { code: 'TrailingBytes', offset: insert.length } });
    const badKind = Buffer.from(insert);
    badKind[5] = 'X'.charCodeAt(0); // the 'N' marker
    expect(decodePgoutput(badKind)).toMatchObject({ ok: false, error: { code: 'InvalidValue', tag: 'I', offset: 5 } });
  });

  it('reports every truncation of every fixture message instead of throwing', () => {
    for (const name of scenarios) {
      for (const bytes of readHexFixture(name)) {
        for (let n = 1; n < bytes.length; n++) {
          const result = decodePgoutput(bytes.subarray(0, n));
          expect(result.ok, `${name} cut at ${n}`).toBe(false);
        }
      }
    }
  });

  it('never throws on corrupted bytes', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const bytes of readHexFixture('types')) {
      for (let i = 0; i < 200; i++) {
        const copy = Buffer.from(bytes);
        copy[1 + Math.floor(random() * (copy.length - 1))] = Math.floor(random() * 256);
        expect(() => decodePgoutput(copy)).not.toThrow();
      }
    }
  });
});
