// "Catalogs everywhere" for the management API: HTTP statuses are named (HttpStatus) or read from
// the error catalog (statusOf), never written as numbers (docs/STYLE.md §4).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { literalStatuses } from '@realtime/testing/source-literals';

const SRC = fileURLToPath(new URL('.', import.meta.url));

describe('HTTP statuses in tenant-admin', () => {
  it('no source file writes one as a number', () => {
    expect(literalStatuses(SRC)).toEqual([]);
  });
});
