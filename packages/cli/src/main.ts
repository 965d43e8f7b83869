#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CONFIG_ENV_FD_FLAG, ConfigError, loadConfig, type WebstreamConfig } from '@webstream/config';
import { type EmbeddedPostgres, ensureServiceDatabase, startEmbeddedPostgres } from '@webstream/db';
import { parseArgs, USAGE, UsageError } from './args';
import { perRunGatewaySecrets, runLicenceCommand } from './licence';
import { allInOneRoles, DATABASES, roleDefinition, type Role } from './roles';
import { type ChildSpec, CONFIG_ENV_FD, Supervisor } from './supervisor';

const MIGRATORS: Record<string, string> = {
  iam: '@webstream/iam/dist/migrate.js',
  'metrics-engine': '@webstream/metrics-engine/dist/migrate.js',
};

function readyUrl(config: WebstreamConfig, role: Role): string {
  return `http://127.0.0.1:${roleDefinition(role).port(config)}/health/ready`;
}

async function main(): Promise<number> {
  let command;
  try {
    command = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`webstream: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command.kind === 'licence-keygen' || command.kind === 'licence-issue') {
    return runLicenceCommand(
      command,
      (text) => process.stdout.write(text),
      (text) => process.stderr.write(text),
    );
  }

  const supervisor = new Supervisor({
    pretty: Boolean(process.stdout.isTTY),
    write: (line) => process.stdout.write(`${line}\n`),
  });
  let config: WebstreamConfig;
  try {
    const loaded = loadConfig({ argv: command.passThrough, env: process.env, cwd: process.cwd() });
    config = loaded.config;
    for (const warning of loaded.warnings) supervisor.say(`config warning: ${warning}`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`webstream: ${error.message}\n`);
    return 1;
  }

  const roles = command.kind === 'migrate' ? [] : command.allInOne ? allInOneRoles(config) : command.roles;
  const missing = DATABASES.filter((db) =>
    command.kind === 'migrate' ? !db.configured(config) : db.needed(roles, config) && !db.configured(config),
  );
  // The embedded database only stands in for databases nobody configured, and only where the
  // all-in-one topology or a migration asks for it; a role started on its own must be configured.
  let embedded: EmbeddedPostgres | undefined;
  const databaseEnv: Record<string, string> = {};
  if (missing.length && (command.kind === 'migrate' || command.allInOne)) {
    const dataDir = resolve(config.embeddedDatabase.dataDir);
    supervisor.say(`starting the embedded PostgreSQL in ${dataDir} on port ${config.embeddedDatabase.port}`);
    const started = Date.now();
    try {
      embedded = await startEmbeddedPostgres({ dataDir, port: config.embeddedDatabase.port });
    } catch (error) {
      process.stderr.write(
        `webstream: the embedded PostgreSQL did not start (embeddedDatabase.dataDir ${dataDir}, embeddedDatabase.port ${config.embeddedDatabase.port}): ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return 1;
    }
    supervisor.say(`embedded PostgreSQL ready in ${Date.now() - started} ms`);
    // Each service connects as a role of its own that owns its database and nothing else, never the superuser.
    try {
      for (const db of missing) {
        databaseEnv[db.env] = await ensureServiceDatabase(embedded, {
          database: db.name,
          role: db.name,
          passwordFile: join(dirname(dataDir), 'roles', `${db.name}.password`),
        });
      }
    } catch (error) {
      process.stderr.write(
        `webstream: cannot prepare the embedded PostgreSQL's service databases (embeddedDatabase.dataDir ${dataDir}): ${error instanceof Error ? error.message : String(error)}\n`,
      );
      await embedded.stop();
      return 1;
    }
  }

  // The proof of concept has no operator to choose a service credential: one is made for this run and
  // handed to every child, so the metrics engine and its callers agree on it without it touching disk.
  const secretEnv: Record<string, string> = {};
  if (command.kind === 'run' && command.allInOne && !config.metricsEngine.serviceToken) {
    secretEnv['WEBSTREAM__METRICSENGINE__SERVICETOKEN'] = randomBytes(32).toString('base64url');
  }
  // Likewise the backend token and, without a configured licence, a development licence and its public key.
  if (command.kind === 'run' && command.allInOne) {
    const generated = perRunGatewaySecrets(config);
    Object.assign(secretEnv, generated.env);
    for (const note of generated.notes) supervisor.say(note);
  }
  // Secrets that outlive a run are kept beside the first administrator's credentials, readable by their owner
  // only: the token signing key (signed-in users stay signed in across a restart), and Prometheus's bearer
  // token (for an operator's scrape config: /metrics on the browsers' port answers only whoever holds it).
  const kept = [
    {
      key: 'accessManagement.tokenSigningKey',
      variable: 'WEBSTREAM__ACCESSMANAGEMENT__TOKENSIGNINGKEY',
      file: 'token-signing-key',
      configured: config.accessManagement.tokenSigningKey !== undefined,
      announce: undefined,
    },
    {
      key: 'accessManagement.secretsKey',
      variable: 'WEBSTREAM__ACCESSMANAGEMENT__SECRETSKEY',
      file: 'secrets-key',
      configured: config.accessManagement.secretsKey !== undefined,
      announce: undefined,
    },
    {
      key: 'metrics.bearerToken',
      variable: 'WEBSTREAM__METRICS__BEARERTOKEN',
      file: 'metrics-bearer-token',
      configured: config.metrics.bearerToken !== undefined,
      // The operator needs to know where it is; the signing key is nobody's business but IAM's.
      announce: '/metrics answers Prometheus with the bearer token in',
    },
  ];
  for (const secret of kept) {
    if (command.kind !== 'run' || !command.allInOne || secret.configured) continue;
    const file = join(dirname(resolve(config.accessManagement.bootstrapAdmin.credentialsFile)), secret.file);
    try {
      secretEnv[secret.variable] = await persistentSecret(file);
    } catch (error) {
      process.stderr.write(
        `webstream: cannot keep the generated ${secret.key} in ${file}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      await embedded?.stop();
      return 1;
    }
    if (secret.announce !== undefined) supervisor.say(`${secret.announce} ${file}`);
  }
  // Identity providers send browsers back to this URL; the proof of concept is reached on this machine's port.
  const publicUrlEnv: Record<string, string> = {};
  if (
    command.kind === 'run' &&
    command.allInOne &&
    config.accessManagement.publicUrl === undefined &&
    config.gateway.publicUrl === undefined
  ) {
    const publicUrl = `http://localhost:${config.gateway.port}`;
    publicUrlEnv['WEBSTREAM__ACCESSMANAGEMENT__PUBLICURL'] = publicUrl;
    supervisor.say(
      `single sign-on sends browsers back to ${publicUrl}; set accessManagement.publicUrl where they reach WebStream elsewhere`,
    );
  }
  const demoEnv: Record<string, string> =
    command.kind === 'run' && command.demo ? { WEBSTREAM__ACCESSMANAGEMENT__DEMO: 'true' } : {};

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await supervisor.stop();
      await embedded?.stop();
    })());

  if (command.kind === 'migrate') {
    const code = runMigrations(supervisor, command.passThrough, databaseEnv);
    await stop();
    return code;
  }

  const started = Date.now();
  const specs = roles.map((role) => ({
    role,
    configOverrides: { ...databaseEnv, ...secretEnv, ...publicUrlEnv, ...demoEnv },
    args: command.passThrough,
    readyUrl: readyUrl(config, role),
    stopGraceSeconds: roleDefinition(role).stopGraceSeconds(config),
  }));
  // Roles that register with a gateway start once the gateway started beside them is ready.
  const registers = (spec: ChildSpec): boolean =>
    roleDefinition(spec.role).registersWithGateway === true && roles.includes('gateway');
  const stages = [specs.filter((spec) => !registers(spec)), specs.filter(registers)].filter(
    (stage) => stage.length > 0,
  );
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      supervisor.say(`${signal}: stopping every service`);
      void stop().then(() => process.exit(0));
    });
  }
  const outcome = await Promise.race([
    supervisor
      .start(stages, (role, ms) => supervisor.say(`${role} ready after ${ms} ms`))
      .then(() => 'ready'),
    supervisor.failed,
  ]).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
  if (outcome !== 'ready') {
    supervisor.say(`start-up failed: ${outcome}`);
    await stop();
    return 1;
  }
  supervisor.say(
    `WebStream is ready in ${Date.now() - started} ms: ${roles
      .map((role) => `${role} http://localhost:${roleDefinition(role).port(config)}`)
      .join(', ')}`,
  );
  const failure = await supervisor.failed;
  if (interrupted) return 0;
  supervisor.say(`${failure}; stopping the other services`);
  await stop();
  return 1;
}

function runMigrations(
  supervisor: Supervisor,
  passThrough: string[],
  databaseEnv: Record<string, string>,
): number {
  for (const [service, entry] of Object.entries(MIGRATORS)) {
    supervisor.say(`migrating ${service}`);
    const overrides = overridesDescriptor(databaseEnv);
    const result = spawnSync(
      process.execPath,
      [require.resolve(entry), 'deploy', CONFIG_ENV_FD_FLAG, String(CONFIG_ENV_FD), ...passThrough],
      { env: process.env, stdio: ['inherit', 'inherit', 'inherit', overrides] },
    );
    closeSync(overrides);
    if (result.status !== 0) {
      supervisor.say(`migrating ${service} failed`);
      return 1;
    }
  }
  return 0;
}

/**
 * A descriptor a migration reads its database URLs from: a 0600 file in a 0700 folder of its own, removed as
 * soon as it is open, so the URLs (with their passwords) never sit in an environment or on disk.
 */
function overridesDescriptor(overrides: Record<string, string>): number {
  const dir = mkdtempSync(join(tmpdir(), 'webstream-overrides-'));
  const file = join(dir, 'overrides.json');
  writeFileSync(file, JSON.stringify(overrides), { mode: 0o600 });
  const fd = openSync(file, 'r');
  rmSync(dir, { recursive: true, force: true });
  return fd;
}

/** A generated secret kept in a 0600 file: read when it is there, made and written once otherwise. */
async function persistentSecret(file: string): Promise<string> {
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32).toString('base64url');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

// Exit explicitly: the embedded PostgreSQL package leaves handles open after it has stopped.
main().then(
  (code) => {
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(
      `webstream: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
