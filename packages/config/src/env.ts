// Environment overrides: WEBSTREAM__GATEWAY__HEALTHCHECK__TIMEOUT=7 sets gateway.healthCheck.timeout. Segments are
// matched case-insensitively against the schema's keys; values are YAML scalars or flow collections, except for
// string keys, which take the value verbatim (so a secret containing '#' or ': ' survives) unless it is quoted.
import { parseDocument } from 'yaml';
import { formatKey, type LocatedIssue } from './errors';
import { configKeyTree, dropEmptyKeys, isPlainObject, suggestKey, type KeyNode } from './keys';

export const CONFIG_ENV_PREFIX = 'WEBSTREAM__';

/** Shorter names that container images and operators expect for the first administrator. */
export const CONFIG_ENV_ALIASES: Readonly<Record<string, string>> = {
  WEBSTREAM_ADMIN_USERNAME: 'WEBSTREAM__ACCESSMANAGEMENT__BOOTSTRAPADMIN__USERNAME',
  WEBSTREAM_ADMIN_PASSWORD: 'WEBSTREAM__ACCESSMANAGEMENT__BOOTSTRAPADMIN__PASSWORD',
};

export interface EnvOverride {
  readonly variable: string;
  /** Canonical key names: ['gateway', 'healthCheck', 'timeout']. */
  readonly path: readonly string[];
  /** undefined clears the key (the value was YAML null), so its default applies. */
  readonly value: unknown;
}

type Resolved = { path: string[]; node: KeyNode } | { problem: string };

function resolveVariable(variable: string): Resolved {
  const segments = variable.slice(CONFIG_ENV_PREFIX.length).split('__');
  const path: string[] = [];
  let node: KeyNode = configKeyTree;
  for (const segment of segments) {
    const where = path.length === 0 ? 'the configuration' : formatKey(path);
    if (node.kind !== 'section') {
      return { problem: `${where} is a single value with no keys below it` };
    }
    const child = node.children.get(segment.toLowerCase());
    if (segment === '' || child === undefined) {
      return { problem: `${where} has no key ${JSON.stringify(segment)}${suggestKey(node, segment)}` };
    }
    path.push(child.name);
    node = child.node;
  }
  return { path, node };
}

function parseValue(
  variable: string,
  raw: string,
  path: string[],
  node: KeyNode,
): LocatedIssue | EnvOverride {
  const key = formatKey(path);
  const invalid = (why: string): LocatedIssue => ({
    key,
    message: `${key}: the value of ${variable} ${why}`,
    path,
    related: [],
  });
  if (node.kind === 'value' && node.text && !/^(["']).*\1$/s.test(raw)) {
    return { variable, path, value: raw };
  }
  const document = parseDocument(raw, { prettyErrors: false });
  const [error] = document.errors;
  if (error !== undefined) {
    return invalid(`is not a valid YAML value (${error.message} at character ${error.pos[0] + 1})`);
  }
  let value: unknown;
  try {
    value = document.toJS();
  } catch {
    return invalid('is not a valid YAML value');
  }
  if (node.kind === 'section') {
    if (value === null) return { variable, path, value: undefined };
    if (!isPlainObject(value)) return invalid(`must be a YAML flow mapping such as {key: value}`);
    dropEmptyKeys(value, node);
  }
  return { variable, path, value: value === null ? undefined : value };
}

/**
 * The overrides named by WEBSTREAM__* variables, and a problem for every such variable that names no key,
 * cannot be parsed, or sets a key another variable also sets. Empty variables are ignored.
 */
export function readEnvOverrides(env: Readonly<Record<string, string | undefined>>): {
  overrides: EnvOverride[];
  issues: LocatedIssue[];
} {
  const overrides: EnvOverride[] = [];
  const issues: LocatedIssue[] = [];
  const byKey = new Map<string, string>();
  for (const variable of Object.keys(env).sort()) {
    const raw = env[variable];
    const canonical = variable.startsWith(CONFIG_ENV_PREFIX) ? variable : CONFIG_ENV_ALIASES[variable];
    if (canonical === undefined || raw === undefined || raw === '') continue;
    const resolved = resolveVariable(canonical);
    if ('problem' in resolved) {
      issues.push({
        key: variable,
        message: `${variable} does not name a configuration key: ${resolved.problem}`,
        path: [],
        related: [],
      });
      continue;
    }
    const key = formatKey(resolved.path);
    const earlier = byKey.get(key);
    if (earlier !== undefined) {
      issues.push({
        key,
        message: `${key} is set by both ${earlier} and ${variable}; keep only one`,
        path: resolved.path,
        related: [],
      });
      continue;
    }
    byKey.set(key, variable);
    const parsed = parseValue(variable, raw, resolved.path, resolved.node);
    if ('message' in parsed) issues.push(parsed);
    else overrides.push(parsed);
  }
  // A whole section first, then the single keys inside it, so the more specific variable wins.
  overrides.sort((a, b) => a.path.length - b.path.length);
  return { overrides, issues };
}

function merge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isPlainObject(existing) && isPlainObject(value)) merge(existing, value);
    else target[key] = value;
  }
}

/** Applies overrides on top of the file's data, in place. */
export function applyEnvOverrides(data: Record<string, unknown>, overrides: readonly EnvOverride[]): void {
  for (const { path, value } of overrides) {
    let parent: Record<string, unknown> = data;
    let reachable = true;
    for (const segment of path.slice(0, -1)) {
      const next = parent[segment] ?? {};
      // A section the file set to something other than a mapping: validation reports the file's mistake.
      if (!isPlainObject(next)) {
        reachable = false;
        break;
      }
      parent[segment] = next;
      parent = next;
    }
    const last = path[path.length - 1];
    if (!reachable || last === undefined) continue;
    const existing = parent[last];
    if (value === undefined) delete parent[last];
    else if (isPlainObject(existing) && isPlainObject(value)) merge(existing, value);
    else parent[last] = value;
  }
}
