// The k8s/ manifests are for users; no cluster here, so this reads them: each Deployment runs a
// service with a config schema, every variable it sets is one that schema knows (SERVICE aside),
// required settings are all provided, the container port is the listen port, and Services,
// probes and the autoscaler point at things that exist.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { listenPortVar, serviceConfigs, type ServiceName } from './service-configs.ts';

const dir = join(import.meta.dirname, '../k8s');
const docs = readdirSync(dir).filter((f) => f.endsWith('.yaml')).flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS()));
const byKind = (kind: string) => docs.filter((d) => d?.kind === kind);
const configMap = byKind('ConfigMap').find((d) => d.metadata.name === 'realtime-infra');
// realtime-secrets is created by the user with the command in k8s/README.md; these stand in for
// the random values it generates.
const readme = readFileSync(join(dir, 'README.md'), 'utf8');
const secretKeys = [...readme.matchAll(/--from-literal=([A-Z_]+)=/g)].map((m) => m[1]!);
const secret: { stringData: Record<string, string> } = { stringData: Object.fromEntries(secretKeys.map((k) => [k, k === 'CONTROL_DB_URL' ? 'postgres://realtime:pw@postgres:5432/realtime_control' : randomBytes(32).toString('hex')])) };

describe('k8s manifests', () => {
  it('deploy every service that has a config schema', () => {
    expect(byKind('Deployment').map((d) => d.metadata.name).sort()).toEqual(Object.keys(serviceConfigs).sort());
  });

  for (const deployment of byKind('Deployment')) {
    const name = deployment.metadata.name as ServiceName;
    const container = deployment.spec.template.spec.containers[0];
    const env: Record<string, string> = {};
    for (const e of container.env ?? []) {
      if (e.value !== undefined) env[e.name] = String(e.value);
      else if (e.valueFrom?.secretKeyRef) env[e.name] = secret.stringData[e.valueFrom.secretKeyRef.key] ?? 'missing-from-the-readme-command';
      else env[e.name] = 'from-field';
    }
    for (const from of container.envFrom ?? []) Object.assign(env, from.configMapRef?.name === 'realtime-infra' ? configMap.data : {});

    describe(name, () => {
      it('sets only variables its config schema knows, and everything it requires', () => {
        const schema = serviceConfigs[name];
        const known = new Set([...Object.values(schema.settings).map((s) => s.env), 'SERVICE']);
        expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
        expect(env.SERVICE).toBe(name);
        expect(() => schema.load(env)).not.toThrow();
      });

      it('exposes its listen port and probes /healthcheck on it', () => {
        const port = Number(env[listenPortVar[name]]);
        expect(container.ports.map((p: { containerPort: number }) => p.containerPort)).toContain(port);
        expect(container.readinessProbe.httpGet.path).toBe('/healthcheck');
      });

      it('bounds its memory, so one pod that grows is restarted rather than starving its node', () => {
        expect(container.resources?.limits?.memory).toMatch(/^\d+(Mi|Gi)$/);
        expect(container.resources?.requests?.memory).toBeDefined();
      });

      it('has a Service selecting its pods', () => {
        const service = byKind('Service').find((s) => s.metadata.name === name);
        expect(service?.spec.selector).toEqual(deployment.spec.selector.matchLabels);
      });
    });
  }

  it('ship no secret values: realtime-secrets comes from the README command, with every key the Deployments read', () => {
    expect(byKind('Secret')).toEqual([]);
    const used = new Set(byKind('Deployment').flatMap((d) => (d.spec.template.spec.containers[0].env ?? [])
      .map((e: { valueFrom?: { secretKeyRef?: { name: string; key: string } } }) => e.valueFrom?.secretKeyRef)
      .filter((ref: { name: string } | undefined) => ref?.name === 'realtime-secrets').map((ref: { key: string }) => ref.key)));
    expect([...used].sort()).toEqual([...secretKeys].sort());
  });

  it('autoscales the gateway Deployment', () => {
    const hpa = byKind('HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef.name === 'gateway');
    expect(hpa?.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });
});
