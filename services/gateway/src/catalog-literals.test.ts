// "Catalogs everywhere": no gateway source retypes a message the error catalog or the protocol
// holds, nor writes an HTTP status as a number or a SQLSTATE libs/pg names; call sites name the
// entry (core/base/messages.ts messageOf, statusOf, HttpStatus, ReplyReasons, SqlState) and take the
// value from libs/errors, libs/protocol or libs/pg (docs/STYLE.md §4, §5).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalog } from '@realtime/errors';
import { SqlState } from '@realtime/pg';
import { ReplyReasons } from '@realtime/protocol';
import { literalStatuses, retypedStrings } from '@realtime/testing/source-literals';

const SRC = fileURLToPath(new URL('.', import.meta.url));
const messages = new Map<string, string>([
  ...Object.values(catalog).flatMap((d) => (d.message ? [[d.message, d.code] as const] : [])),
  ...Object.entries(ReplyReasons).map(([name, reason]) => [reason, `ReplyReasons.${name}`] as const),
]);

const sqlStates = new Map(Object.entries(SqlState).map(([name, state]) => [state, `SqlState.${name}`]));

describe('catalog messages in the gateway', () => {
  it('the catalogs have messages to look for', () => {
    expect(messages.get('Tenant not found')).toBe('TenantNotFound');
    expect(messages.get('unmatched topic')).toBe('ReplyReasons.unmatchedTopic');
  });

  it('no source file retypes one', () => {
    expect(retypedStrings(SRC, messages)).toEqual([]);
  });

  it('no source file writes an HTTP status as a number', () => {
    expect(literalStatuses(SRC)).toEqual([]);
  });

  it('no source file writes a SQLSTATE that libs/pg names', () => {
    expect(sqlStates.get('42501')).toBe('SqlState.InsufficientPrivilege');
    expect(retypedStrings(SRC, sqlStates)).toEqual([]);
  });
});
