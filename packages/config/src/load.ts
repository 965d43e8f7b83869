import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Document, LineCounter, parseDocument } from 'yaml';
import { applyEnvOverrides, readEnvOverrides, type EnvOverride } from './env';
import { ConfigError, fallbackRule, fromZodIssues, type ConfigIssue, type LocatedIssue } from './errors';
import { dropEmptyKeys, isPlainObject } from './keys';
import { webstreamConfigSchema, type WebstreamConfig } from './schema';
import { configWarnings } from './warnings';

export interface ConfigSource {
  /** Command-line arguments (without node and the script); defaults to process.argv.slice(2). */
  argv?: readonly string[];
  /** Defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Directory the default file and a relative --config path are resolved against; defaults to process.cwd(). */
  cwd?: string;
}

export interface LoadedConfig {
  config: WebstreamConfig;
  /** The file read, or null when there was no file at the default path and defaults (+ env) were used. */
  path: string | null;
  warnings: string[];
}

export const CONFIG_PATH_ENV = 'WEBSTREAM_CONFIG';
/**
 * `--config-env-fd <n>`: WEBSTREAM__* overrides as a JSON object, read to its end from inherited descriptor n and
 * applied over the environment's. How a parent hands a child its secrets without an environment variable, which
 * everything the child starts would inherit.
 */
export const CONFIG_ENV_FD_FLAG = '--config-env-fd';

/**
 * Given by a supervisor (`webstream all`): the service stops on its own once that supervisor is gone, however it
 * went (SIGKILL, a crash), rather than run on unsupervised.
 */
export const EXIT_WITH_PARENT_FLAG = '--exit-with-parent';
export const DEFAULT_CONFIG_FILE = 'webstream.config.yaml';

function configFlag(argv: readonly string[]): { value: string; flag: string } | undefined {
  let found: { value: string; flag: string } | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    if (arg === '--config') {
      const value = argv[i + 1];
      if (value === undefined || value === '' || value.startsWith('--')) {
        throw new ConfigError('the command line', [
          { key: '--config', message: '--config needs a path: --config <path> or --config=<path>' },
        ]);
      }
      found = { value, flag: '--config' };
      i++;
    } else if (arg?.startsWith('--config=') === true) {
      const value = arg.slice('--config='.length);
      if (value === '') {
        throw new ConfigError('the command line', [
          { key: '--config', message: '--config= needs a path: --config=<path>' },
        ]);
      }
      found = { value, flag: '--config' };
    }
  }
  return found;
}

function envFdFlag(argv: readonly string[]): number | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    if (arg !== CONFIG_ENV_FD_FLAG) continue;
    const value = argv[i + 1] ?? '';
    if (!/^\d+$/.test(value) || Number(value) < 3) {
      throw new ConfigError('the command line', [
        { key: CONFIG_ENV_FD_FLAG, message: `${CONFIG_ENV_FD_FLAG} needs a descriptor number of 3 or more` },
      ]);
    }
    return Number(value);
  }
  return undefined;
}

/**
 * What each descriptor held: it can be read only once, and a process may load its configuration again. It stays
 * open (at its end), so its number is not reused for something else while the process lives.
 */
const envFdContents = new Map<number, Record<string, string>>();

/** The overrides a parent wrote to the descriptor --config-env-fd names. */
function readEnvFd(fd: number): Record<string, string> {
  const known = envFdContents.get(fd);
  if (known !== undefined) return known;
  const problem = (message: string) =>
    new ConfigError('the command line', [{ key: CONFIG_ENV_FD_FLAG, message }]);
  let text: string;
  try {
    text = readFileSync(fd, 'utf8');
  } catch (error) {
    throw problem(
      `descriptor ${fd} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw problem(`descriptor ${fd} does not hold JSON`);
  }
  if (
    !isPlainObject(data) ||
    !Object.entries(data).every(([key, value]) => /^WEBSTREAM__/i.test(key) && typeof value === 'string')
  ) {
    throw problem(`descriptor ${fd} must hold an object of WEBSTREAM__* variables and string values`);
  }
  envFdContents.set(fd, data as Record<string, string>);
  return data as Record<string, string>;
}

/**
 * The WEBSTREAM__* overrides this process was started with (its environment's, then --config-env-fd's): what a
 * child that loads the same configuration must be handed, on a descriptor of its own.
 */
export function configOverrides(source: Pick<ConfigSource, 'argv' | 'env'> = {}): Record<string, string> {
  const argv = source.argv ?? process.argv.slice(2);
  const envFd = envFdFlag(argv);
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries(source.env ?? process.env)) {
    if (/^WEBSTREAM__/i.test(key) && value !== undefined) merged[key] = value;
  }
  return { ...merged, ...(envFd === undefined ? {} : readEnvFd(envFd)) };
}

/** Where the configuration file is: --config in argv, else WEBSTREAM_CONFIG, else ./webstream.config.yaml. */
export function resolveConfigPath(source: ConfigSource): { path: string; explicit: boolean } {
  const cwd = source.cwd ?? process.cwd();
  const fromArgv = configFlag(source.argv ?? process.argv.slice(2));
  if (fromArgv !== undefined) return { path: resolve(cwd, fromArgv.value), explicit: true };
  const fromEnv = (source.env ?? process.env)[CONFIG_PATH_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { path: resolve(cwd, fromEnv), explicit: true };
  return { path: resolve(cwd, DEFAULT_CONFIG_FILE), explicit: false };
}

function explicitSource(source: ConfigSource): string {
  const argv = source.argv ?? process.argv.slice(2);
  return configFlag(argv) !== undefined ? '--config' : CONFIG_PATH_ENV;
}

interface FileContents {
  path: string | null;
  data: Record<string, unknown>;
  document?: Document;
  lines?: LineCounter;
  warnings: string[];
}

function readText(path: string, explicit: boolean, flag: string): string | undefined {
  const fileError = (message: string) => new ConfigError(`file ${path}`, [{ key: flag, message }]);
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return undefined;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw fileError(`The configuration file ${path} (given by ${flag}) does not exist`);
    }
    throw fileError(`The configuration file ${path} cannot be read (${(error as Error).message})`);
  }
  if (!isFile) throw fileError(`The configuration file ${path} is not a regular file`);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw fileError(
      `The configuration file ${path} cannot be read (${(error as NodeJS.ErrnoException).code})`,
    );
  }
}

function readFile(source: ConfigSource): FileContents {
  const { path, explicit } = resolveConfigPath(source);
  const text = readText(path, explicit, explicit ? explicitSource(source) : 'file');
  if (text === undefined) return { path: null, data: {}, warnings: [] };

  const lines = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, lineCounter: lines });
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return `line ${line}, column ${col}`;
  };
  if (document.errors.length > 0) {
    // yaml's own message names the problem without quoting the line, so no secret on it is repeated.
    const issues = document.errors.map((error) => ({
      key: '',
      message: `YAML syntax error at ${at(error.pos[0])} of ${path}: ${error.message}`,
    }));
    throw new ConfigError(`file ${path}`, issues);
  }
  let data: unknown;
  try {
    data = document.toJS();
  } catch (error) {
    throw new ConfigError(`file ${path}`, [
      { key: '', message: `${path} cannot be read as YAML: ${(error as Error).message}` },
    ]);
  }
  if (data === null || data === undefined) data = {};
  if (!isPlainObject(data)) {
    throw new ConfigError(`file ${path}`, [
      {
        key: '',
        message: `${path} must hold a YAML mapping of sections (gateway:, sessionHost:, ...), not a list or a single value`,
      },
    ]);
  }
  const warnings = document.warnings.map((warning) => `${path} ${at(warning.pos[0])}: ${warning.message}`);
  return { path, data, document, lines, warnings };
}

function isPrefix(prefix: readonly PropertyKey[], path: readonly PropertyKey[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}

/** Names the env variables an issue's value came from: one that set the key (or a section above it). */
function envSources(issue: LocatedIssue, overrides: readonly EnvOverride[]): string[] {
  const paths = [issue.path, ...issue.related];
  return overrides
    .filter((override) => paths.some((path) => isPrefix(override.path, path)))
    .map((override) => override.variable);
}

function lineInFile(file: FileContents, path: readonly PropertyKey[]): string {
  if (file.document === undefined || file.lines === undefined || path.length === 0) return '';
  const node: unknown = file.document.getIn(path as unknown[], true);
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  if (range === undefined) return '';
  return ` (line ${file.lines.linePos(range[0]).line})`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Reads, merges and validates the configuration once: the YAML file (see resolveConfigPath), then WEBSTREAM__*
 * environment overrides on top. Throws ConfigError listing every problem; the result is deep-frozen.
 */
export function loadConfig(source: ConfigSource = {}): LoadedConfig {
  const argv = source.argv ?? process.argv.slice(2);
  const envFd = envFdFlag(argv);
  const resolvedSource: ConfigSource = {
    argv,
    env: { ...(source.env ?? process.env), ...(envFd === undefined ? {} : readEnvFd(envFd)) },
    cwd: source.cwd ?? process.cwd(),
  };
  const env = resolvedSource.env ?? {};
  const file = readFile(resolvedSource);
  dropEmptyKeys(file.data);
  const { overrides, issues: envIssues } = readEnvOverrides(env);
  applyEnvOverrides(file.data, overrides);

  const parsed = webstreamConfigSchema.safeParse(file.data, { error: fallbackRule });
  if (!parsed.success || envIssues.length > 0) {
    // A problem with a variable itself already names it; one found by validation names the variable it came from.
    const issues: ConfigIssue[] = envIssues.map(({ key, message }) => ({ key, message }));
    const lines = issues.map((issue) => issue.message);
    for (const issue of parsed.success ? [] : fromZodIssues(parsed.error.issues)) {
      const variables = envSources(issue, overrides);
      if (variables.length > 0) {
        const message = `${issue.message} (from ${variables.join(', ')})`;
        issues.push({ key: issue.key, message });
        lines.push(message);
      } else {
        issues.push({ key: issue.key, message: issue.message });
        lines.push(`${issue.message}${lineInFile(file, issue.path)}`);
      }
    }
    const usedVariables = overrides.map((override) => override.variable);
    const origin =
      (file.path === null
        ? `defaults (no file at ${resolveConfigPath(resolvedSource).path})`
        : `file ${file.path}`) +
      (usedVariables.length > 0 ? ` with environment overrides ${usedVariables.join(', ')}` : '');
    throw new ConfigError(origin, issues, lines);
  }

  const config = deepFreeze(parsed.data);
  const warnings = [...file.warnings, ...configWarnings(config)];
  return deepFreeze({ config, path: file.path, warnings });
}
