// Validates a manifest against the Kubernetes API schema of its apiVersion and kind, offline.
// The schemas come with npm packages: kubernetes-models carries the Kubernetes OpenAPI definitions
// compiled to ajv validators (ajv's standalone code, one module per definition), and
// @kubernetes-models/prometheus-operator the same for the Prometheus Operator's CRDs
// (ServiceMonitor). These schemas check types, required fields and enums; like the API server's
// own OpenAPI, they do not reject unknown fields: unknownFields() below does, with the packages'
// TypeScript types.
import { join } from 'node:path';
import ts from 'typescript';
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

/**
 * Fields the API does not know (a misspelt `readinessProbes` would be dropped by the API server
 * without a word). The packages' TypeScript types list every field of every kind, so this
 * type-checks the manifests as object literals of those types, in memory: TypeScript's excess
 * property check reports each unknown field. Returns the messages, [] when every field is known.
 */
export function unknownFields(manifests: Manifest[]): string[] {
  const kinds = [...new Set(manifests.map((m) => `${m.apiVersion} ${m.kind}`))];
  const typeOf = (m: Manifest) => `T${kinds.indexOf(`${m.apiVersion} ${m.kind}`)}`;
  const source = [
    ...kinds.map((k, i) => { const [apiVersion, kind] = k.split(' ') as [string, string]; return `import type { I${kind} as T${i} } from '${modulePath(apiVersion, kind)}';`; }),
    ...manifests.map((m, i) => `// ${m.kind}/${m.metadata.name}\nexport const m${i}: ${typeOf(m)} = ${JSON.stringify(m)};`),
  ].join('\n');
  // a file that exists only in memory, beside the tests, so the packages resolve from node_modules
  const file = join(import.meta.dirname, '__k8s_manifests__.ts');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, types: [], module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022 };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists } = host;
  host.getSourceFile = (f, language, ...rest) => (f === file ? ts.createSourceFile(f, source, language) : getSourceFile.call(host, f, language, ...rest));
  host.fileExists = (f) => f === file || fileExists.call(host, f);
  return ts.getPreEmitDiagnostics(ts.createProgram([file], options, host)).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const what = source.split('\n')[line - 1] ?? '';
    return `${what.replace(/^\/\/ /, '')}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n').at(-1)}`;
  });
}
