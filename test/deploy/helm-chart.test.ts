// The Helm chart (deploy/helm/passdrop), rendered by the real `helm` (scripts/install-test-deps.sh
// installs it) and every manifest validated against the Kubernetes API schemas (kubernetes-models:
// validators generated from Kubernetes' OpenAPI definitions). Never skipped.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ServiceAccount, Secret, Service, PersistentVolumeClaim } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load-config.js';
import { settingList } from '../../src/config/settings.js';
import { REPOSITORY_ROOT, runCommand } from '../support/containers.js';

const CHART = join(REPOSITORY_ROOT, 'deploy/helm/passdrop');

/** The Kubernetes API's schema for each kind the chart may render. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ServiceAccount': ServiceAccount,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are checked field by field below */
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: any; stringData?: Record<string, string>; automountServiceAccountToken?: boolean };

/** Checks a manifest against the Kubernetes schema of its kind; throws with the schema errors. */
function validateManifest(manifest: Manifest): void {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  assert.ok(Model, `no schema for ${manifest.apiVersion} ${manifest.kind}: add it to MODELS`);
  new Model(manifest as never).validate();
}

const scratch = mkdtempSync(join(tmpdir(), 'passdrop-helm-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function helm(args: string[], values: Record<string, unknown>) {
  const file = join(scratch, `values-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify(values));
  return runCommand('helm', [...args, '--values', file]);
}

/** `helm template`s the chart with these values and validates every manifest; returns them by kind. */
async function render(values: Record<string, unknown>): Promise<Map<string, Manifest>> {
  const result = await helm(['template', 'passdrop', CHART, '--namespace', 'secrets'], values);
  assert.equal(result.code, 0, result.stderr);
  const manifests = parseAllDocuments(result.stdout).map((document) => document.toJS() as Manifest | null).filter((manifest): manifest is Manifest => manifest !== null);
  const byKind = new Map<string, Manifest>();
  for (const manifest of manifests) {
    validateManifest(manifest);
    assert.ok(!byKind.has(manifest.kind), `one ${manifest.kind}`);
    byKind.set(manifest.kind, manifest);
  }
  return byKind;
}

/** `helm template` must refuse these values; returns its error output. */
async function refusal(values: Record<string, unknown>): Promise<string> {
  const result = await helm(['template', 'passdrop', CHART], values);
  assert.notEqual(result.code, 0, `helm template accepted ${JSON.stringify(values)}`);
  return result.stderr;
}

const masterKey = randomBytes(32).toString('hex');
const postgres = { masterKey: { existingSecret: 'passdrop-master-key' }, database: { existingSecret: 'passdrop-database' } };

function container(deployment: Manifest): any {
  return deployment.spec.template.spec.containers[0];
}

function envOf(deployment: Manifest): Map<string, any> {
  return new Map((container(deployment).env as { name: string }[]).map((entry) => [entry.name, entry]));
}

describe('the Helm chart', () => {
  it('passes helm lint --strict on SQLite and on PostgreSQL values', async () => {
    for (const values of [{ replicaCount: 1, masterKey: { value: masterKey } }, postgres]) {
      const result = await helm(['lint', '--strict', CHART], values);
      assert.equal(result.code, 0, result.stdout + result.stderr);
    }
  });

  it('PostgreSQL: N replicas, a Service, a PodDisruptionBudget, probes on /up, the master key and database URL from existing Secrets', async () => {
    const manifests = await render({ ...postgres, replicaCount: 3 });
    assert.deepEqual([...manifests.keys()].sort(), ['Deployment', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    const deployment = manifests.get('Deployment')!;
    assert.equal(deployment.spec.replicas, 3);
    assert.equal(deployment.spec.strategy.type, 'RollingUpdate');
    const pod = deployment.spec.template.spec;
    const main = container(deployment);
    assert.equal(main.image, 'passdrop:0.1.0', 'the image tag defaults to the appVersion');
    assert.deepEqual(main.ports, [{ name: 'http', containerPort: 5100, protocol: 'TCP' }]);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      assert.deepEqual(main[probe].httpGet, { path: '/up', port: 'http' }, probe);
    }
    assert.deepEqual(main.resources, { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    assert.equal(pod.terminationGracePeriodSeconds, 30, 'longer than the 25 s Passdrop gives in-flight requests');

    const env = envOf(deployment);
    assert.deepEqual(env.get('DATABASE_URL').valueFrom, { secretKeyRef: { name: 'passdrop-database', key: 'database-url' } });
    assert.equal(env.get('PASSDROP_MASTER_KEY_FILE').value, '/run/secrets/passdrop/master-key');
    assert.equal(env.get('PASSDROP_DATABASE_WAIT_SECONDS').value, '60');
    assert.equal(env.get('DATABASE_POOL_SIZE').value, '10');
    assert.ok(![...env.keys()].some((name) => name.startsWith('PASSDROP_S3_')), 'no S3 settings unless a bucket is given');
    const keyVolume = pod.volumes.find((volume: { name: string }) => volume.name === 'master-key');
    assert.deepEqual(keyVolume.secret, { secretName: 'passdrop-master-key', items: [{ key: 'master-key', path: 'master-key' }], defaultMode: 0o440 });
    assert.ok(main.volumeMounts.some((mount: { name: string; mountPath: string; readOnly?: boolean }) => mount.name === 'master-key' && mount.mountPath === '/run/secrets/passdrop' && mount.readOnly));

    // Runs as the image's non-root user, with nothing it does not need.
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.runAsUser, 10001);
    assert.equal(main.securityContext.readOnlyRootFilesystem, true);
    assert.equal(main.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(main.securityContext.capabilities.drop, ['ALL']);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(manifests.get('ServiceAccount')!.automountServiceAccountToken, false);

    // The Service and the budget select exactly the Deployment's pods.
    const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
    const service = manifests.get('Service')!;
    assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
    assert.deepEqual(service.spec.ports, [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    const budget = manifests.get('PodDisruptionBudget')!;
    assert.deepEqual(budget.spec, { maxUnavailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels } });
    for (const [name, value] of Object.entries(deployment.spec.selector.matchLabels as Record<string, string>)) assert.equal(podLabels[name], value);
  });

  it('makes a Secret (kept on uninstall) from a master key and database URL given as values, and the environment is one Passdrop accepts', async () => {
    const url = 'postgres://passdrop:s3cret@db.internal:5432/passdrop';
    const manifests = await render({ masterKey: { value: masterKey }, database: { url, poolSize: 20, waitSeconds: 120 }, config: { PASSDROP_BASE_URL: 'https://secrets.example.com', TRUSTED_PROXIES: '10.0.0.0/8', PASSDROP_ALLOW_SIGNUPS: false } });
    const secret = manifests.get('Secret')!;
    assert.deepEqual(secret.stringData, { 'master-key': masterKey, 'database-url': url });
    assert.equal(secret.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
    const deployment = manifests.get('Deployment')!;
    assert.match(deployment.spec.template.metadata.annotations['checksum/secret'], /^[0-9a-f]{64}$/, 'pods restart when the Secret changes');
    const env = envOf(deployment);
    assert.deepEqual(env.get('DATABASE_URL').valueFrom, { secretKeyRef: { name: 'passdrop', key: 'database-url' } });

    // Resolve the environment as the kubelet would, and load it with Passdrop's own configuration loader.
    const secretData: Record<string, string> = { ...secret.stringData };
    const resolved: Record<string, string> = {};
    for (const [name, entry] of env) {
      resolved[name] = (entry.value as string | undefined) ?? secretData[entry.valueFrom.secretKeyRef.key as string]!;
    }
    const loaded = loadConfig(resolved, '/app');
    assert.ok(loaded.ok, JSON.stringify(loaded));
    assert.deepEqual(loaded.config.database, { kind: 'postgres', url, poolSize: 20, startupWaitMs: 120_000 });
    assert.equal(loaded.config.server.baseUrl, 'https://secrets.example.com');
    assert.deepEqual(loaded.config.server.trustedProxies, ['10.0.0.0/8']);
    assert.equal(loaded.config.accounts.allowSignups, false);
    assert.equal(loaded.config.masterKey.file, '/run/secrets/passdrop/master-key');
    assert.equal(loaded.config.server.port, 5100);
  });

  it('SQLite: one replica on a persistent volume (kept on uninstall), replaced with Recreate, and no disruption budget', async () => {
    const manifests = await render({ replicaCount: 1, masterKey: { existingSecret: 'passdrop-master-key' }, persistence: { size: '5Gi', storageClassName: 'fast' } });
    assert.deepEqual([...manifests.keys()].sort(), ['Deployment', 'PersistentVolumeClaim', 'Service', 'ServiceAccount']);
    const claim = manifests.get('PersistentVolumeClaim')!;
    assert.deepEqual(claim.spec, { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } });
    assert.equal(claim.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
    const deployment = manifests.get('Deployment')!;
    assert.equal(deployment.spec.strategy.type, 'Recreate');
    assert.equal(envOf(deployment).get('DATABASE_URL').value, 'sqlite:/data/passdrop.sqlite');
    const data = deployment.spec.template.spec.volumes.find((volume: { name: string }) => volume.name === 'data');
    assert.deepEqual(data.persistentVolumeClaim, { claimName: claim.metadata.name });
  });

  it('adds an Ingress, S3 settings, config values and extra environment entries when asked', async () => {
    const manifests = await render({
      ...postgres,
      ingress: { enabled: true, className: 'nginx', annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' }, hosts: [{ host: 'secrets.example.com', paths: [{ path: '/', pathType: 'Prefix' }] }], tls: [{ secretName: 'secrets-tls', hosts: ['secrets.example.com'] }] },
      s3: { bucket: 'passdrop-files', region: 'eu-west-1', endpoint: 'https://minio.internal:9000', forcePathStyle: true, existingSecret: 'passdrop-s3' },
      config: { PASSDROP_BASE_URL: 'https://secrets.example.com', LOG_LEVEL: '' },
      extraEnv: [{ name: 'PASSDROP_SMTP_URL', valueFrom: { secretKeyRef: { name: 'smtp', key: 'url' } } }],
    });
    const ingress = manifests.get('Ingress')!;
    assert.equal(ingress.spec.ingressClassName, 'nginx');
    assert.deepEqual(ingress.spec.tls, [{ hosts: ['secrets.example.com'], secretName: 'secrets-tls' }]);
    assert.deepEqual(ingress.spec.rules[0].http.paths[0].backend, { service: { name: manifests.get('Service')!.metadata.name, port: { name: 'http' } } });
    const env = envOf(manifests.get('Deployment')!);
    assert.equal(env.get('PASSDROP_S3_BUCKET').value, 'passdrop-files');
    assert.equal(env.get('PASSDROP_S3_REGION').value, 'eu-west-1');
    assert.equal(env.get('PASSDROP_S3_ENDPOINT').value, 'https://minio.internal:9000');
    assert.equal(env.get('PASSDROP_S3_FORCE_PATH_STYLE').value, 'true');
    assert.deepEqual(env.get('PASSDROP_S3_SECRET_ACCESS_KEY').valueFrom, { secretKeyRef: { name: 'passdrop-s3', key: 'secret-access-key' } });
    assert.equal(env.get('PASSDROP_BASE_URL').value, 'https://secrets.example.com');
    assert.equal(env.has('LOG_LEVEL'), false, 'empty config values are left out');
    assert.deepEqual(env.get('PASSDROP_SMTP_URL').valueFrom, { secretKeyRef: { name: 'smtp', key: 'url' } });
  });

  it('opens the metrics port with scrape annotations and the token from a Secret only when asked, and never on the Service', async () => {
    const plain = await render(postgres);
    assert.ok(!envOf(plain.get('Deployment')!).has('PASSDROP_METRICS_PORT'));
    const manifests = await render({ ...postgres, metrics: { enabled: true, port: 9464, tokenSecret: { name: 'passdrop-metrics' } } });
    const deployment = manifests.get('Deployment')!;
    assert.deepEqual(container(deployment).ports[1], { name: 'metrics', containerPort: 9464, protocol: 'TCP' });
    const env = envOf(deployment);
    assert.equal(env.get('PASSDROP_METRICS_PORT').value, '9464');
    assert.deepEqual(env.get('PASSDROP_METRICS_TOKEN').valueFrom, { secretKeyRef: { name: 'passdrop-metrics', key: 'metrics-token' } });
    const annotations = deployment.spec.template.metadata.annotations as Record<string, string>;
    assert.deepEqual([annotations['prometheus.io/scrape'], annotations['prometheus.io/port'], annotations['prometheus.io/path']], ['true', '9464', '/metrics']);
    assert.ok(!JSON.stringify(manifests.get('Service')).includes('9464'), 'the Service does not publish the metrics port');
  });

  it('refuses values that cannot work, saying why', async () => {
    assert.match(await refusal({ database: postgres.database }), /masterKey\.existingSecret or masterKey\.value is required/);
    assert.match(await refusal({ replicaCount: 2, masterKey: { value: masterKey } }), /SQLite works with one replica only/);
    assert.match(await refusal({ ...postgres, config: { DATABASE_URL: 'postgres://x/y' } }), /config\.DATABASE_URL is set by the chart/);
    assert.match(await refusal({ ...postgres, masterKey: { value: 'not-hex' } }), /masterKey\.value: Does not match pattern/);
    assert.match(await refusal({ ...postgres, replicas: 2 }), /Additional property replicas is not allowed/);
  });

  it('uses only settings Passdrop knows (S3 ones excepted: they await file pushes), and the schema check is not a formality', async () => {
    const known = new Set(settingList.map((setting) => setting.name));
    const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as { config: Record<string, unknown> };
    for (const name of Object.keys(values.config)) assert.ok(known.has(name), `values.yaml config.${name} is a Passdrop setting`);
    const manifests = await render({ ...postgres, s3: { bucket: 'b' } });
    for (const name of envOf(manifests.get('Deployment')!).keys()) {
      assert.ok(known.has(name) || name.startsWith('PASSDROP_S3_'), `the chart sets ${name}, which Passdrop does not read`);
    }
    const broken = structuredClone(manifests.get('Deployment')!);
    container(broken).ports[0].containerPort = 'http';
    assert.throws(() => validateManifest(broken), /containerPort must be integer/);
  });
});
