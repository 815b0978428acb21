// Validates a manifest against the Kubernetes API schema of its apiVersion and kind, offline.
// The schemas come with npm packages: kubernetes-models carries the Kubernetes OpenAPI definitions
// compiled to ajv validators (ajv's standalone code, one module per definition), and
// @kubernetes-models/prometheus-operator the same for the Prometheus Operator's CRDs
// (ServiceMonitor). These schemas check types, required fields and enums; like the API server's
// own OpenAPI, they do not reject unknown fields, so k8s.test.ts checks the fields it relies on.
import type { Manifest } from './k8s-build.ts';

interface ValidationError extends Error { errors?: Array<{ instancePath: string; message?: string }> }
type ModelClass = new (data: unknown) => { validate(): void };

/** `apps/v1` + `Deployment` → the model module that validates it. */
function modulePath(apiVersion: string, kind: string): string {
  if (apiVersion.startsWith('monitoring.coreos.com/')) return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/** The schema's complaints about `m` ([] when it is valid); throws when no schema is shipped for its kind. */
export async function schemaErrors(m: Manifest): Promise<string[]> {
  const mod = (await import(modulePath(m.apiVersion, m.kind))) as Record<string, ModelClass>;
  const Model = mod[m.kind];
  if (!Model) throw new Error(`no schema for ${m.apiVersion} ${m.kind}`);
  try {
    new Model(m).validate();
    return [];
  } catch (err) {
    const errors = (err as ValidationError).errors;
    return errors ? errors.map((e) => `${e.instancePath} ${e.message ?? ''}`.trim()) : [String(err)];
  }
}
