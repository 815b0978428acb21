import { describe, expect, it } from 'vitest';
import { catalog, ErrorCodes, isErrorCode, type ErrorDef } from './index.ts';
import { clientErrors } from './client.ts';
import { internalErrors } from './internal.ts';
import { parseSpecCodes, readSpecCodes, specPath } from '../test/spec-codes.ts';

const defs: ErrorDef[] = Object.values(catalog);
const spec = readSpecCodes();

describe('catalog', () => {
  it('keys ErrorCodes and catalog by the code itself, PascalCase', () => {
    for (const def of defs) {
      expect(ErrorCodes[def.code]).toBe(def.code);
      expect(def.code).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(def.description.length).toBeGreaterThan(10);
    }
    expect(Object.keys(ErrorCodes)).toEqual(Object.keys(catalog));
  });

  it('has no code in both the client-facing and internal lists', () => {
    expect(Object.keys(clientErrors).filter((c) => c in internalErrors)).toEqual([]);
  });

  it('uses only HTTP error statuses and the WebSocket close codes of docs/PROTOCOL.md §2', () => {
    for (const def of defs) {
      if (def.httpStatus !== undefined) expect(def.httpStatus).toBeGreaterThanOrEqual(400);
      if (def.closeCode !== undefined) expect([1001, 1012]).toContain(def.closeCode);
    }
  });

  it('pins the connect answers of docs/PROTOCOL.md §1.2', () => {
    const pinned: [keyof typeof ErrorCodes, number, string | undefined][] = [
      ['MissingAPIKey', 401, 'API key is missing'],
      ['MalformedJWT', 401, 'The token provided is not a valid JWT'],
      ['JwtSignatureError', 401, 'Failed to validate JWT signature'],
      ['InvalidJWTToken', 401, undefined],
      ['RealtimeDisabledForTenant', 403, 'Realtime was disabled for this tenant'],
      ['TenantNotFound', 404, 'Tenant not found'],
      ['ConnectionRateLimitReached', 429, 'Too many connected users'],
      ['JoinsRateLimitReached', 429, 'Too many joins per second'],
      ['ErrorConnectingToWebsocket', 500, 'Error connecting to Realtime'],
    ];
    for (const [code, status, message] of pinned) expect([code, catalog[code].httpStatus, catalog[code].message]).toEqual([code, status, message]);
  });

  it('closes with 1001 after TenantNotFound and ClientJoinRateLimitReached, 1012 on restart', () => {
    expect(catalog.TenantNotFound.closeCode).toBe(1001);
    expect(catalog.ClientJoinRateLimitReached.closeCode).toBe(1001);
    expect(catalog.ClientJoinRateLimitReached.message).toBe('Too many joins per second');
    expect(catalog.RealtimeRestarting.closeCode).toBe(1012);
  });

  it('isErrorCode accepts catalog codes only', () => {
    expect(isErrorCode('TenantNotFound')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('ECONNREFUSED')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});

describe('spec list parsing', () => {
  it('expands {…} and (…) groups', () => {
    const md = '**All operational codes**\n- Client-facing: `A B`, plus [R+] `C`.\n- Server-internal only: `D{X,Y} E(F)`.\n\n## 10';
    expect(parseSpecCodes(md)).toMatchObject({ clientFacing: ['A', 'B', 'C'], internal: ['DX', 'DY', 'E', 'EF'] });
  });
});

describe(`against the reference's codes listed in ${specPath}`, () => {
  it('finds the lists', () => {
    expect(spec.clientFacing.length).toBeGreaterThan(40);
    expect(spec.internal.length).toBeGreaterThan(40);
    expect(spec.joinReasons.length).toBeGreaterThan(10);
  });

  it('has every client-facing code of §9, marked client-facing', () => {
    const missing = spec.clientFacing.filter((c) => !isErrorCode(c) || !catalog[c].clientFacing);
    expect(missing).toEqual([]);
  });

  it('has every server-internal code of §9, marked internal', () => {
    const missing = spec.internal.filter((c) => !isErrorCode(c) || catalog[c].clientFacing);
    expect(missing).toEqual([]);
  });

  it('has every code of the §3.3 join error table', () => {
    expect(spec.joinReasons.filter((c) => !isErrorCode(c))).toEqual([]);
  });
});
