// The k8s/ manifests are for users; no cluster here, so this builds each overlay in-process
// (scripts/k8s-build.ts, the kustomize subset k8s/ uses) and reads the result: every manifest
// passes its Kubernetes API schema (scripts/k8s-validate.ts); each Deployment runs a service with a
// config schema, sets only variables that schema knows and everything it requires, and refuses to
// start with the shipped placeholder secrets; probes, Services, the autoscaler, the Ingress, the
// PodDisruptionBudgets and the ServiceMonitor point at things that exist.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, sign, verify } from 'node:crypto';
import { generateAuditKeys, parseSigningKey, parseVerifyKey } from '@realtime/audit';
import { describe, expect, it } from 'vitest';
import { build, k8sDir, merge, type Manifest } from './k8s-build.ts';
import { schemaErrors, unknownFields } from './k8s-validate.ts';
import { listenPortVar, serviceConfigs, type ServiceName } from './service-configs.ts';

// Deployment fields, loosely typed: the schema check above is what holds them to the API.
type Any = any;

const overlays = ['overlays/local', 'overlays/production'] as const;
const built = Object.fromEntries(overlays.map((o) => [o, build(join(k8sDir, o))])) as Record<(typeof overlays)[number], Manifest[]>;
const of = (docs: Manifest[], kind: string) => docs.filter((d) => d.kind === kind) as Any[];
const named = (docs: Manifest[], kind: string, name: string) => of(docs, kind).find((d) => d.metadata.name === name);
const secretSettings = new Set(Object.values(serviceConfigs).flatMap((c) => Object.values(c.settings).filter((s) => s.secret).map((s) => s.env)));

type Values = { secret(name: string, key: string): string; configMap(name: string, key: string): string };

/** The environment a Deployment's container sees; secrets and single ConfigMap keys from `values`. */
function containerEnv(docs: Manifest[], container: Any, values: Values): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) Object.assign(env, named(docs, 'ConfigMap', from.configMapRef.name)?.data);
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.secretKeyRef) env[e.name] = values.secret(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
    else if (e.valueFrom?.configMapKeyRef) env[e.name] = values.configMap(e.valueFrom.configMapKeyRef.name, e.valueFrom.configMapKeyRef.key);
    else env[e.name] = 'from-field';
  }
  return env;
}

const shipped = (docs: Manifest[]): Values => ({
  secret: (name, key) => named(docs, 'Secret', name)?.stringData?.[key] ?? 'missing-from-the-secret',
  configMap: (name, key) => named(docs, 'ConfigMap', name)?.data?.[key] ?? 'missing-from-the-config-map',
});
// What the README's fill-in commands write: random values for the secrets, a reachable URL, and one
// Ed25519 pair (base64 DER, as openssl pkey -outform DER | base64 gives) for the audit keys.
const auditPair = generateAuditKeys();
const filled = (docs: Manifest[]): Values => ({
  secret: (name, key) => (key === 'CONTROL_DB_URL' ? shipped(docs).secret(name, key).replace('replace-me', 'pw')
    : key === 'INGEST_CDC_AUDIT_SIGNING_KEY' ? auditPair.privateKey : randomBytes(32).toString('hex')),
  configMap: (name, key) => (key === 'TENANT_ADMIN_AUDIT_PUBLIC_KEY' ? auditPair.publicKey : shipped(docs).configMap(name, key)),
});

/** Each service's source registers `path`: its own route, or the ops server of libs/metrics (/healthcheck, /metrics). */
function serves(service: string, path: string): boolean {
  const dir = join(import.meta.dirname, '../services', service, 'src');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  const code = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  return code.includes(`'${path}'`) || (['/healthcheck', '/metrics'].includes(path) && code.includes('startOpsServer('));
}

describe('scripts/k8s-build.ts', () => {
  it('merges named lists item by item, replaces other lists, and deletes a key set to null', () => {
    const base = { spec: { containers: [{ name: 'a', image: 'x', ports: [1] }, { name: 'b' }], keep: 1, drop: 2 } };
    const patch = { spec: { containers: [{ name: 'a', ports: [2] }, { name: 'c' }], drop: null } };
    expect(merge(base, patch)).toEqual({ spec: { containers: [{ name: 'a', image: 'x', ports: [2] }, { name: 'b' }, { name: 'c' }], keep: 1 } });
  });

  it('applies a targeted patch to every resource it selects, keeping their names', () => {
    const deployments = of(built['overlays/local'], 'Deployment');
    expect(deployments.every((d) => d.spec.template.spec.enableServiceLinks === false)).toBe(true);
    expect(deployments.map((d) => d.metadata.name)).not.toContain('pod-defaults');
  });
});

describe('Kubernetes API schemas', () => {
  it('reject a manifest with a wrong type, so a pass below means something', async () => {
    const deployment = structuredClone(named(built['overlays/local'], 'Deployment', 'gateway'));
    deployment.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(await schemaErrors(deployment)).toEqual([expect.stringContaining('containerPort')]);
  });

  it('name no field the API does not know, in any overlay (a misspelt field is caught)', () => {
    const misspelt = structuredClone(named(built['overlays/local'], 'Deployment', 'gateway'));
    misspelt.spec.template.spec.containers[0].readinessProbes = misspelt.spec.template.spec.containers[0].readinessProbe;
    const problems = unknownFields([...overlays.flatMap((o) => built[o]), misspelt]);
    expect(problems).toEqual([expect.stringMatching(/^Deployment\/gateway: .*'"readinessProbes"' does not exist in type 'IContainer'/)]);
  }, 60_000);

  for (const overlay of overlays) {
    it(`accept every manifest of ${overlay}`, async () => {
      const problems = await Promise.all(built[overlay].map(async (m) => (await schemaErrors(m)).map((e) => `${m.kind}/${m.metadata.name}: ${e}`)));
      expect(problems.flat()).toEqual([]);
    });
  }
});

for (const overlay of overlays) {
  const docs = built[overlay];
  describe(overlay, () => {
    it('deploys every service that has a config schema', () => {
      expect(of(docs, 'Deployment').map((d) => d.metadata.name).sort()).toEqual(Object.keys(serviceConfigs).sort());
    });

    for (const deployment of of(docs, 'Deployment')) {
      const name = deployment.metadata.name as ServiceName;
      const pod = deployment.spec.template.spec;
      const container = pod.containers[0];
      const labels = deployment.spec.selector.matchLabels;
      describe(name, () => {
        it('sets only variables its config schema knows, and everything it requires', () => {
          const env = containerEnv(docs, container, filled(docs));
          const known = new Set([...Object.values(serviceConfigs[name].settings).map((s) => s.env), 'SERVICE']);
          expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
          expect(env.SERVICE).toBe(name);
          expect(() => serviceConfigs[name].load(env)).not.toThrow();
        });

        it('does not start with the secrets as shipped: each one it reads is refused as a placeholder', () => {
          const env = containerEnv(docs, container, shipped(docs));
          const refused = Object.values(serviceConfigs[name].settings).filter((s) => secretSettings.has(s.env) && env[s.env] !== undefined && s.env !== 'CONTROL_DB_URL');
          expect(refused.length).toBeGreaterThan(0);
          let problems: string[] = [];
          try { serviceConfigs[name].load(env); } catch (err) { problems = (err as { problems: string[] }).problems; }
          for (const s of refused) expect(problems, s.env).toContainEqual(expect.stringMatching(new RegExp(`^${s.env}: is a placeholder`)));
        });

        it('probes /healthcheck on its listen port at start-up, for readiness and for liveness', () => {
          const port = Number(containerEnv(docs, container, filled(docs))[listenPortVar[name]]);
          for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
            const get = container[probe]?.httpGet;
            expect(get?.path, probe).toBe('/healthcheck');
            expect(container.ports.find((p: Any) => p.name === get.port)?.containerPort, probe).toBe(port);
          }
          expect(serves(name, '/healthcheck')).toBe(true);
        });

        it('bounds its CPU and memory and asks for both', () => {
          for (const r of ['requests', 'limits']) {
            expect(container.resources?.[r]?.memory, r).toMatch(/^\d+(Mi|Gi)$/);
            expect(container.resources?.[r]?.cpu, r).toBeDefined();
          }
        });

        it('runs as non-root on a read-only root file system, without Service links', () => {
          expect(pod.securityContext.runAsNonRoot).toBe(true);
          expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
          expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
          expect(pod.enableServiceLinks).toBe(false);
        });

        it('spreads its pods over nodes, and a PodDisruptionBudget keeps all but one of them up', () => {
          expect(pod.topologySpreadConstraints.map((t: Any) => t.topologyKey)).toContain('kubernetes.io/hostname');
          for (const t of pod.topologySpreadConstraints) expect(t.labelSelector.matchLabels).toEqual(labels);
          const pdb = of(docs, 'PodDisruptionBudget').find((p) => JSON.stringify(p.spec.selector.matchLabels) === JSON.stringify(labels));
          expect(pdb?.spec.maxUnavailable).toBe(1);
        });

        it('has a Service selecting its pods on the probed port, scraped by the ServiceMonitor', () => {
          const service = named(docs, 'Service', name);
          expect(service?.spec.selector).toEqual(labels);
          expect(service.spec.ports.map((p: Any) => p.targetPort)).toContain('http');
          const monitor = of(docs, 'ServiceMonitor')[0];
          for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels)) expect(service.metadata.labels[k]).toBe(v);
          expect(monitor.spec.endpoints.map((e: Any) => `${e.port} ${e.path}`)).toContain('http /metrics');
          expect(serves(name, '/metrics')).toBe(true);
        });
      });
    }

    it('lets the HorizontalPodAutoscaler own the gateway replica count', () => {
      const hpa = of(docs, 'HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef.name === 'gateway');
      expect(hpa?.spec.minReplicas).toBeGreaterThanOrEqual(1);
      expect(named(docs, 'Deployment', 'gateway').spec.replicas).toBeUndefined();
    });

    it('routes every tenant host to the gateway, with WebSocket-length proxy timeouts', () => {
      const ingress = of(docs, 'Ingress')[0];
      const rule = ingress.spec.rules[0];
      expect(rule.host).toMatch(/^\*\./);
      expect(rule.http.paths[0].backend.service).toEqual({ name: 'gateway', port: { name: 'http' } });
      for (const a of ['proxy-read-timeout', 'proxy-send-timeout']) expect(Number(ingress.metadata.annotations[`nginx.ingress.kubernetes.io/${a}`])).toBeGreaterThanOrEqual(3600);
    });

    it('gives ingest-cdc the audit signing key from a Secret, and tenant-admin its public half, refused until filled in', () => {
      const env = (name: ServiceName, values: Values) => containerEnv(docs, named(docs, 'Deployment', name).spec.template.spec.containers[0], values);
      const signing = env('ingest-cdc', filled(docs)).INGEST_CDC_AUDIT_SIGNING_KEY!;
      const checkpoint = Buffer.from('a checkpoint of the hash chain');
      expect(verify(null, checkpoint, parseVerifyKey(env('tenant-admin', filled(docs)).TENANT_ADMIN_AUDIT_PUBLIC_KEY!), sign(null, checkpoint, parseSigningKey(signing)))).toBe(true);
      // the private key reaches ingest-cdc only
      for (const d of of(docs, 'Deployment')) if (d.metadata.name !== 'ingest-cdc') expect(JSON.stringify(d), d.metadata.name).not.toContain('INGEST_CDC_AUDIT_SIGNING_KEY');
      let problems: string[] = [];
      // secrets filled in, the public key left as shipped
      try { serviceConfigs['tenant-admin'].load(env('tenant-admin', { ...filled(docs), configMap: shipped(docs).configMap })); } catch (err) { problems = (err as { problems: string[] }).problems; }
      expect(problems).toContainEqual(expect.stringMatching(/^TENANT_ADMIN_AUDIT_PUBLIC_KEY: not an Ed25519 public key/));
    });

    it('gives Prometheus a metrics token Secret the ServiceMonitor reads', () => {
      const ref = of(docs, 'ServiceMonitor')[0].spec.endpoints[0].authorization.credentials;
      expect(named(docs, 'Secret', ref.name)?.stringData?.[ref.key]).toBeDefined();
    });
  });
}

describe('overlays/production', () => {
  const docs = built['overlays/production'];
  const env = (name: ServiceName) => containerEnv(docs, named(docs, 'Deployment', name).spec.template.spec.containers[0], filled(docs));

  it('runs presence on a Redis Cluster and talks to three Kafka brokers', () => {
    for (const name of ['gateway', 'presence-service'] as const) {
      expect(env(name).REDIS_CLUSTER_NODES?.split(',').length, name).toBeGreaterThanOrEqual(3);
      expect(env(name).REDIS_URL, name).toBeUndefined();
    }
    expect(env('ingest-cdc').KAFKA_BROKERS?.split(',').length).toBe(3);
  });

  it('keeps at least three gateways, spread over zones as a rule', () => {
    expect(of(docs, 'HorizontalPodAutoscaler')[0].spec.minReplicas).toBeGreaterThanOrEqual(3);
    const spread = named(docs, 'Deployment', 'gateway').spec.template.spec.topologySpreadConstraints;
    expect(spread).toContainEqual(expect.objectContaining({ topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' }));
  });

  it('creates topics with replication factor 3 and min ISR 2', () => {
    for (const name of Object.keys(serviceConfigs) as ServiceName[]) {
      expect(env(name).KAFKA_TOPIC_REPLICATION_FACTOR, name).toBe('3');
      expect(env(name).KAFKA_TOPIC_MIN_INSYNC_REPLICAS, name).toBe('2');
    }
  });
});

it('the image runs as the uid the pods require', () => {
  const dockerfile = readFileSync(join(import.meta.dirname, '../Dockerfile'), 'utf8');
  const uid = of(built['overlays/production'], 'Deployment')[0].spec.template.spec.securityContext.runAsUser;
  expect(dockerfile).toMatch(new RegExp(`^USER ${uid}(:\\d+)?$`, 'm'));
});
