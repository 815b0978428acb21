// GET /api/openapi: an OpenAPI 3.1 document generated from the zod schemas the API parses requests
// with (core/tenant-input.ts) and types its answers by (core/api-schemas.ts). OpenAPI 3.1 schemas
// are JSON Schema 2020-12, which is what z.toJSONSchema emits; request schemas are emitted on their
// input side (what a client may send: "10" is accepted where a number is meant), response schemas
// on their output side (closed objects: a field that leaks shows up as a violation).
import { z } from '@realtime/config';
import { tenantInput } from '../core/tenant-input.ts';
import { clusterJson, fieldErrorsJson, notFoundJson, statusJson, tenantHealthJson, tenantJson, tenantReplicationJson } from '../core/api-schemas.ts';

type JsonSchema = Record<string, unknown>;

const tenantBody = z.object({ tenant: tenantInput.meta({ id: 'TenantInput' }) }).meta({ id: 'TenantBody' });
const dataOf = (schema: z.ZodType) => z.object({ data: schema });

/**
 * Every schema with an `id` becomes a component; the rest are inlined where used. An id is used on
 * one side only (TenantInput on input, Tenant on output), so no component is written twice.
 */
function components(): { schemas: Record<string, JsonSchema>; convert: (s: z.ZodType, io: 'input' | 'output') => JsonSchema } {
  const schemas: Record<string, JsonSchema> = {};
  const convert = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
    const defs = (out.$defs ?? {}) as Record<string, JsonSchema>;
    delete out.$defs;
    delete out.$schema;
    for (const [id, def] of Object.entries(defs)) schemas[id] = toComponentRefs(def);
    return toComponentRefs(out);
  };
  return { schemas, convert };
}

/** z.toJSONSchema points at its own $defs; in the document they live under components/schemas. */
function toComponentRefs<T>(value: T): T {
  if (Array.isArray(value)) return value.map(toComponentRefs) as T;
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === '$ref' && typeof v === 'string' ? v.replace(/^#\/\$defs\//, '#/components/schemas/') : toComponentRefs(v);
  }
  return out as T;
}

const json = (schema: JsonSchema, description: string) => ({ description, content: { 'application/json': { schema } } });
const empty = (description: string) => ({ description });
const tenantParam = { name: 'tenant_id', in: 'path', required: true, description: 'the external_id', schema: { type: 'string' } };

export function openApiDocument(): JsonSchema {
  const c = components();
  const out = (s: z.ZodType) => c.convert(s, 'output');
  const one = out(dataOf(tenantJson));
  const invalid = json(out(fieldErrorsJson), 'invalid input (Ecto-style messages per field)');
  const notFound = json(out(notFoundJson), 'no such tenant');
  const forbidden = empty('missing, invalid or blocklisted Bearer token (empty body)');
  const body = { required: true, content: { 'application/json': { schema: c.convert(tenantBody, 'input') } } };
  const upsertResponses = {
    200: json(one, 'updated'),
    201: json(one, 'created, and the tenant database migrated (Location header)'),
    202: json(one, 'created; the tenant database migrations did not finish in time and go on in the background: poll GET /api/tenants/{tenant_id}/health until data.migrated is true'),
    403: forbidden,
    422: invalid,
  };
  const secured = { security: [{ bearer: [] }] };
  const paths = {
    '/api/tenants': {
      get: { ...secured, summary: 'List tenants', responses: { 200: json(out(dataOf(z.array(tenantJson))), 'all tenants'), 403: forbidden } },
      post: { ...secured, summary: 'Create or update the tenant named by tenant.external_id', requestBody: body, responses: upsertResponses },
    },
    '/api/tenants/{tenant_id}': {
      parameters: [tenantParam],
      get: { ...secured, summary: 'Show a tenant', responses: { 200: json(one, 'the tenant'), 403: forbidden, 404: notFound } },
      put: { ...secured, summary: 'Create or update a tenant', requestBody: body, responses: upsertResponses },
      patch: { ...secured, summary: 'Create or update a tenant', requestBody: body, responses: upsertResponses },
      delete: { ...secured, summary: 'Delete a tenant (also when unknown): sockets drained, CDC stopped, slot dropped', responses: { 204: empty('deleted'), 403: forbidden } },
    },
    '/api/tenants/{tenant_id}/reload': {
      parameters: [tenantParam],
      post: { ...secured, summary: 'Reload: sockets drained (1012), migrations run again', responses: { 204: empty('reloaded'), 403: forbidden, 404: notFound } },
    },
    '/api/tenants/{tenant_id}/shutdown': {
      parameters: [tenantParam],
      post: { ...secured, summary: 'Shut down: sockets disconnected, database pools closed, CDC restarted; the next connect is served as usual', responses: { 204: empty('shut down'), 403: forbidden, 404: notFound } },
    },
    '/api/tenants/{tenant_id}/health': {
      parameters: [tenantParam],
      get: { ...secured, summary: 'Tenant health', responses: { 200: json(out(dataOf(tenantHealthJson)), 'health'), 403: forbidden, 404: notFound } },
    },
    '/api/tenants/{tenant_id}/replication': {
      parameters: [tenantParam],
      get: { ...secured, summary: 'The tenant\'s replication slots: lag, and the ingest-cdc worker streaming each', responses: { 200: json(out(dataOf(tenantReplicationJson)), 'slots'), 403: forbidden, 404: notFound } },
    },
    '/api/tenants/{tenant_id}/changes': {
      parameters: [tenantParam,
        { name: 'from', in: 'query', required: true, schema: { type: 'string' }, description: 'ISO time or epoch ms' },
        { name: 'to', in: 'query', required: false, schema: { type: 'string' } },
        { name: 'table', in: 'query', required: false, schema: { type: 'string' }, description: 'schema.table' },
        { name: 'verify', in: 'query', required: false, schema: { enum: ['1', 'true', '0', 'false'] }, description: '1: instead of the changes, the audit report of the range (hash chain and signed checkpoints); not with table' }],
      get: { ...secured, summary: 'The tenant\'s changes from realtime.cdc, or with verify=1 the audit report of the range', responses: {
        200: { description: 'one change event per line; with verify=1 the audit report, everything verified', content: { 'application/x-ndjson': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'object' } } } },
        409: { description: 'verify=1: the report, something does not verify (problems lists what and where)', content: { 'application/json': { schema: { type: 'object' } } } },
        403: forbidden, 404: notFound, 422: invalid,
      } },
    },
    '/api/cluster': {
      get: { ...secured, summary: 'The cluster at a glance (the Inspector\'s cluster view): gateways, tenants, throttles, consumer lag, replication slots', responses: { 200: json(out(dataOf(clusterJson)), 'cluster'), 403: forbidden } },
    },
    '/api/openapi': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } } } },
    '/healthcheck': { get: { summary: 'Liveness', responses: { 200: { description: 'ok', content: { 'text/plain': { schema: { const: 'ok' } } } } } } },
    '/status': { get: { summary: 'Status page (HTML; JSON with Accept: application/json)', responses: { 200: {
      description: 'status', content: { 'text/html': { schema: { type: 'string' } }, 'application/json': { schema: out(statusJson) } },
    } } } },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'Realtime management API (tenant-admin)', version: '1.0.0' },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    components: { schemas: c.schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  };
}
