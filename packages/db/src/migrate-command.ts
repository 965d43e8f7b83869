import { CONFIG_ENV_FD_FLAG, loadConfig, type WebstreamConfig } from '@webstream/config';
import { maskDatabaseUrl } from './database';
import { findDevelopmentServer } from './development-server';
import { applyMigrations, createMigration, type MigrationSource } from './migrations';

export interface MigrateCommandOptions {
  /** The service whose database this is, as the config names it. */
  service: string;
  source: MigrationSource;
  /** The config key holding the service's database URL, for messages. */
  databaseUrlKey: string;
  databaseUrl(config: WebstreamConfig): string | undefined;
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
}

function log(message: string, detail: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg: message, ...detail })}\n`);
}

const USAGE = 'usage: migrate [deploy] | migrate new <name>   (options: --config <file>)';

/**
 * `deploy` applies pending migrations to the configured database; `new <name>` writes a migration from
 * the schema, replaying the existing ones in a shadow database on the configured or a local server.
 */
export async function runMigrateCommand(options: MigrateCommandOptions): Promise<number> {
  const positional = options.argv.filter(
    (arg, i, all) => !arg.startsWith('--') && all[i - 1] !== '--config' && all[i - 1] !== CONFIG_ENV_FD_FLAG,
  );
  const [command = 'deploy', name] = positional;
  const { config } = loadConfig({ argv: options.argv, env: options.env, cwd: process.cwd() });
  const configuredUrl = options.databaseUrl(config);
  switch (command) {
    case 'deploy': {
      if (!configuredUrl) {
        log(`${options.databaseUrlKey} is not set: nothing to migrate`, { service: options.service });
        return 1;
      }
      const started = Date.now();
      log('applying migrations', { service: options.service, database: maskDatabaseUrl(configuredUrl) });
      const applied = await applyMigrations(configuredUrl, options.source, log);
      log(applied.length ? 'migrations applied' : 'database already up to date', {
        service: options.service,
        applied,
        ms: Date.now() - started,
      });
      return 0;
    }
    case 'new': {
      if (!name) {
        log(USAGE);
        return 2;
      }
      const server = await findDevelopmentServer(configuredUrl ?? options.env['TEST_DATABASE_URL']);
      try {
        const folder = await createMigration(server.serverUrl, options.source, name, new Date(), log);
        log(folder ? 'migration written' : 'schema unchanged: no migration written', {
          service: options.service,
          migration: folder,
        });
        return 0;
      } finally {
        await server.stop();
      }
    }
    default:
      log(USAGE);
      return 2;
  }
}

/**
 * The entry of a service's migrate script. It exits explicitly when done: the schema engine's driver
 * keeps the event loop alive for a while after its work.
 */
export function runMigrateCli(options: Omit<MigrateCommandOptions, 'argv' | 'env'>): void {
  runMigrateCommand({ ...options, argv: process.argv.slice(2), env: process.env }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      log(error instanceof Error ? error.message : String(error), {
        service: options.service,
        level: 'error',
      });
      process.exit(1);
    },
  );
}
