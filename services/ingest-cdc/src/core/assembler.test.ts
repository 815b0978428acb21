import { describe, expect, it } from 'vitest';
import { PG_EPOCH_UNIX_US, initialState, step, stepBytes, withPrimaryKey, type Change } from './assembler.ts';
import { readHexFixture } from '../../test/fixture-files.ts';
import { formatLsn } from './lsn.ts';
import { decodedFixture, relationOids, replay, replayFixture } from '../../test/replay.ts';

const items = (relationId: number) => ({
  schema: 'public', table: 'items', relationId, toastUnchanged: [], pkColumns: ['id'],
  columns: [
    { name: 'id', typeOid: 23, typeName: 'int4', typeModifier: -1, isKey: true },
    { name: 'name', typeOid: 25, typeName: 'text', typeModifier: -1, isKey: false },
    { name: 'qty', typeOid: 23, typeName: 'int4', typeModifier: -1, isKey: false },
  ],
});
const brief = (c: Change) => [c.seq, c.type, c.table, c.record, c.oldRecord];

describe('step over byte fixtures from a real Postgres', () => {
  it('emits each committed transaction with its changes; one Relation message serves all four', () => {
    const { transactions, errors } = replayFixture('crud');
    const oid = relationOids('crud').items!;
    expect(errors).toEqual([]);
    expect(transactions.map((t) => t.changes)).toEqual([
      [
        { ...items(oid), seq: 0, type: 'INSERT', record: { id: '1', name: 'apple', qty: '3' }, oldRecord: null },
        { ...items(oid), seq: 1, type: 'INSERT', record: { id: '2', name: 'pear', qty: null }, oldRecord: null },
      ],
      // The key did not change, so Postgres sent no old key: it is the new row's.
      [{ ...items(oid), seq: 0, type: 'UPDATE', record: { id: '1', name: 'apple', qty: '5' }, oldRecord: { id: '1' } }],
      [{ ...items(oid), seq: 0, type: 'UPDATE', record: { id: '10', name: 'pear', qty: null }, oldRecord: { id: '2' } }],
      [{ ...items(oid), seq: 0, type: 'DELETE', record: null, oldRecord: { id: '10' } }],
    ]);
  });

  it('takes xid, commit LSN and time from Begin/Commit, the time as Unix microseconds', () => {
    const messages = decodedFixture('crud');
    const begins = messages.filter((m) => m.tag === 'begin');
    const commits = messages.filter((m) => m.tag === 'commit');
    const { transactions } = replayFixture('crud');
    transactions.forEach((t, i) => {
      expect(t).toMatchObject({
        xid: begins[i]!.xid,
        commitLsn: formatLsn(commits[i]!.commitLsn.num),
        commitLsnNum: commits[i]!.commitLsn.num,
        endLsn: commits[i]!.endLsn.text,
        endLsnNum: commits[i]!.endLsn.num,
        commitTimestampUs: commits[i]!.timestamp + PG_EPOCH_UNIX_US,
      });
    });
    expect(Number(transactions[0]!.commitTimestampUs / 1000n)).toBeGreaterThan(Date.parse('2024-01-01'));
    expect(transactions.map((t) => t.commitLsnNum)).toEqual([...transactions.map((t) => t.commitLsnNum)].sort((a, b) => (a < b ? -1 : 1)));
  });

  it('keeps both columns of a composite key, old and new', () => {
    const { transactions, errors } = replayFixture('composite-pk');
    expect(errors).toEqual([]);
    const changes = transactions.flatMap((t) => t.changes);
    expect(changes.map((c) => c.pkColumns)).toEqual(Array(4).fill(['a', 'b']));
    expect(changes.map(brief)).toEqual([
      [0, 'INSERT', 'pairs', { a: '1', b: 'x', v: 'v1' }, null],
      [0, 'UPDATE', 'pairs', { a: '1', b: 'x', v: 'v2' }, { a: '1', b: 'x' }],
      [0, 'UPDATE', 'pairs', { a: '1', b: 'y', v: 'v2' }, { a: '1', b: 'x' }],
      [0, 'DELETE', 'pairs', null, { a: '1', b: 'y' }],
    ]);
  });

  it('gives whole old rows under REPLICA IDENTITY FULL; the primary key only when told', () => {
    const { transactions } = replayFixture('replica-full');
    const changes = transactions.flatMap((t) => t.changes);
    expect(changes.map(brief)).toEqual([
      [0, 'INSERT', 'fulls', { id: '1', note: 'first', n: '7' }, null],
      [0, 'UPDATE', 'fulls', { id: '1', note: 'first', n: '8' }, { id: '1', note: 'first', n: '7' }],
      [0, 'DELETE', 'fulls', null, { id: '1', note: 'first', n: '8' }],
    ]);
    expect(changes.map((c) => c.pkColumns)).toEqual([[], [], []]); // pgoutput flags every column
    const told = replay(readHexFixture('replica-full'), withPrimaryKey(initialState(), relationOids('replica-full').fulls!, ['id']));
    expect(told.transactions.flatMap((t) => t.changes.map((c) => c.pkColumns))).toEqual([['id'], ['id'], ['id']]);
  });

  it('names unchanged TOAST columns, and fills them from a FULL old row', () => {
    const { transactions, errors } = replayFixture('toast');
    expect(errors).toEqual([]);
    const [insertDocs, updateDocs, insertFull, updateFull, deleteDocs] = transactions.map((t) => t.changes[0]!);
    expect(insertDocs!.record!.body).toMatch(/^[0-9a-f]{4800}$/);
    expect(updateDocs).toMatchObject({ record: { id: '1', title: 't2' }, oldRecord: { id: '1' }, toastUnchanged: ['body'] });
    expect(Object.keys(updateDocs!.record!)).toEqual(['id', 'title']);
    expect(updateFull).toMatchObject({ record: { id: '1', title: 't2', body: insertFull!.record!.body }, toastUnchanged: [] });
    expect(updateFull!.oldRecord).toEqual({ ...insertFull!.record, title: 't1' });
    expect(deleteDocs).toMatchObject({ type: 'DELETE', oldRecord: { id: '1' }, toastUnchanged: [] });
  });

  it('emits one TRUNCATE change per relation', () => {
    const { transactions, errors } = replayFixture('truncate');
    expect(errors).toEqual([]);
    expect(transactions.map((t) => t.changes.map((c) => [c.seq, c.type, c.table, c.record, c.oldRecord, c.pkColumns]))).toEqual([
      [[0, 'INSERT', 'items', { id: '3', name: 'kiwi', qty: '1' }, null, ['id']]],
      [[0, 'TRUNCATE', 'items', null, null, ['id']], [1, 'TRUNCATE', 'pairs', null, null, ['a', 'b']]],
      [[0, 'TRUNCATE', 'serials', null, null, ['id']]],
    ]);
  });

  it('numbers the changes of a multi-statement transaction; rolled-back work never appears', () => {
    const { transactions, errors } = replayFixture('multi-statement');
    expect(errors).toEqual([]);
    expect(transactions).toHaveLength(1);
    expect(transactions[0]!.changes.map(brief)).toEqual([
      [0, 'INSERT', 'items', { id: '20', name: 'fig', qty: '1' }, null],
      [1, 'INSERT', 'pairs', { a: '2', b: 'z', v: 'q' }, null],
      [2, 'UPDATE', 'items', { id: '20', name: 'fig', qty: '2' }, { id: '20' }],
      [3, 'DELETE', 'pairs', null, { a: '2', b: 'z' }],
      [4, 'INSERT', 'fulls', { id: '2', note: 'second', n: null }, null],
    ]);
  });

  it('names user types from Type messages and skips Origin and logical messages', () => {
    const types = replayFixture('types');
    expect(types.errors).toEqual([]);
    expect(types.transactions).toHaveLength(5);
    expect(types.transactions[0]!.changes[0]!.columns.map((c) => c.typeName)).toEqual([
      'int4', 'bool', 'int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'text', 'uuid', 'jsonb', 'json',
      'timestamptz', 'timestamp', 'date', 'bytea', '_text', '_int4', 'mood',
    ]);
    const origin = replayFixture('origin-message');
    expect(origin.errors).toEqual([]);
    expect(origin.transactions.map((t) => t.changes.map(brief))).toEqual([[[0, 'INSERT', 'items', { id: '30', name: 'plum', qty: '9' }, null]]]);
  });
});

describe('step on a stream it cannot follow', () => {
  const crud = readHexFixture('crud'); // B R I I C  B U C  B U C  B D C

  it('reports changes of unknown relations and still commits the rest', () => {
    const { transactions, errors } = replay(crud.filter((_, i) => i !== 1));
    expect(errors.map((e) => [e.code, e.relationId])).toEqual(Array(5).fill(['UnknownRelation', relationOids('crud').items]));
    expect(transactions.map((t) => t.changes.length)).toEqual([0, 0, 0, 0]);
  });

  it('drops a transaction whose Commit never came when the next Begin arrives', () => {
    const { transactions, errors } = replay([...crud.slice(0, 4), ...crud.slice(5)]);
    expect(errors.map((e) => e.code)).toEqual(['UnterminatedTransaction']);
    expect(transactions.map((t) => t.changes[0]!.type)).toEqual(['UPDATE', 'UPDATE', 'DELETE']);
    expect(transactions[0]!.changes[0]!.seq).toBe(0);
  });

  it('reports Commit and changes outside a transaction', () => {
    const { transactions, errors } = replay([crud[1]!, crud[2]!, crud[4]!]);
    expect(errors.map((e) => e.code)).toEqual(['NoTransaction', 'NoTransaction']);
    expect(transactions).toEqual([]);
  });

  it('reports undecodable bytes and keeps the state', () => {
    const before = replay(crud.slice(0, 3)).state;
    const result = stepBytes(before, Buffer.from('Bxx'));
    expect(result.errors).toMatchObject([{ code: 'Decode', xid: before.open!.begin.xid, decode: { code: 'Truncated', tag: 'B' } }]);
    expect(result.state).toBe(before);
  });

  it('reports binary values and tuples that do not match the relation', () => {
    const { state } = replay(crud.slice(0, 2));
    const relationId = relationOids('crud').items!;
    const binary = step(state, { tag: 'insert', relationId, newTuple: [{ kind: 'binary', value: Buffer.from([1]) }, { kind: 'null' }, { kind: 'null' }] });
    const short = step(state, { tag: 'insert', relationId, newTuple: [{ kind: 'null' }] });
    expect([...binary.errors, ...short.errors].map((e) => e.code)).toEqual(['BinaryValue', 'TupleMismatch']);
    expect(binary.state.open!.count).toBe(0);
  });
});

describe('step is pure', () => {
  it('gives the same transactions when replayed again, also from a kept intermediate state', () => {
    const crud = readHexFixture('crud');
    const mid = replay(crud.slice(0, 3)).state; // inside the first transaction
    const once = replay(crud.slice(3), mid);
    const twice = replay(crud.slice(3), mid);
    expect(twice.transactions).toEqual(once.transactions);
    expect(once.transactions[0]!.changes.map((c) => c.seq)).toEqual([0, 1]);
    expect(replayFixture('crud')).toEqual(replayFixture('crud'));
    expect(initialState().relations.size).toBe(0);
  });
});

describe('large transactions', () => {
  it('hand their changes out in pieces of at most maxHeld, the same changes in the same order, confirmable only at the end', () => {
    for (const name of ['crud', 'multi-statement', 'truncate', 'types']) {
      const whole = replayFixture(name).transactions;
      let mostHeld = 0;
      const pieces = replay(readHexFixture(name), initialState(), 2, (s) => void (mostHeld = Math.max(mostHeld, s.open?.held ?? 0))).transactions;
      expect(mostHeld, name).toBeLessThan(2);
      if (whole.some((t) => t.changes.length >= 2)) expect(pieces.some((p) => p.partial), name).toBe(true);
      expect(pieces.every((p) => p.changes.length <= 2 + 1), name).toBe(true); // a truncate may add one per relation
      const complete = pieces.filter((p) => !p.partial);
      expect(complete.map((t) => [t.xid, t.commitLsn, t.endLsn]), name).toEqual(whole.map((t) => [t.xid, t.commitLsn, t.endLsn]));
      for (const t of whole) {
        const mine = pieces.filter((p) => p.xid === t.xid);
        expect(mine.flatMap((p) => p.changes), name).toEqual(t.changes);
        for (const p of mine) expect([p.commitLsn, p.commitTimestampUs]).toEqual([t.commitLsn, t.commitTimestampUs]);
        expect(mine.at(-1)!.partial, name).toBeUndefined(); // only the last piece carries the position to confirm
      }
    }
  });
});

