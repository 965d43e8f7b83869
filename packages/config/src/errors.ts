import { type z } from 'zod';
import { nodeAt, suggestKey } from './keys';
import { maskUrlPassword } from './redact';

export interface ConfigIssue {
  /** The dotted key ("gateway.healthCheck.timeout", "mcpApiKeys[1].name"), or the variable/flag at fault. */
  readonly key: string;
  /** A full sentence naming the key and the rule, never the offending value. */
  readonly message: string;
}

/** Thrown by loadConfig: every problem found, one per line of the message, and where the configuration came from. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  /**
   * @param origin where the configuration came from ("file /etc/webstream.config.yaml", "defaults (...)")
   * @param lines one line per issue for the message, when it should say more than the issue (a line number)
   */
  constructor(origin: string, issues: readonly ConfigIssue[], lines?: readonly string[]) {
    const body = (lines ?? issues.map((issue) => issue.message)).map((line) => `  - ${line}`).join('\n');
    super(`Invalid WebStream configuration from ${origin}:\n${body}`);
    this.issues = Object.freeze(
      issues.map((issue) => Object.freeze({ key: issue.key, message: issue.message })),
    );
  }
}

/** An issue with the path it concerns, before the loader adds where the value came from. */
export interface LocatedIssue extends ConfigIssue {
  readonly path: readonly PropertyKey[];
  /** Other keys a cross-field rule depends on. */
  readonly related: readonly (readonly string[])[];
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** ['gateway', 'port'] → "gateway.port"; ['mcpApiKeys', 1, 'key'] → "mcpApiKeys[1].key". */
export function formatKey(path: readonly PropertyKey[]): string {
  let key = '';
  for (const segment of path) {
    if (typeof segment === 'number') key += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment))
      key += key === '' ? segment : `.${segment}`;
    else key += `[${JSON.stringify(maskUrlPassword(String(segment)))}]`;
  }
  return key;
}

function sentence(path: readonly PropertyKey[], rule: string): string {
  return path.length === 0 ? `The configuration ${rule}` : `${formatKey(path)} ${rule}`;
}

const EXPECTED: Record<string, string> = {
  object: 'a mapping of keys to values',
  record: 'a mapping of keys to values',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
};

/**
 * The parse-wide error map: rules for issues the schema did not word itself. Only types and limits are
 * described, never the input.
 */
export const fallbackRule: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${EXPECTED[issue.expected] ?? issue.expected}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'custom':
    case 'invalid_element':
    case 'invalid_key':
    case 'invalid_union':
    case 'unrecognized_keys':
      return undefined;
  }
};

function relatedOf(issue: z.core.$ZodIssue): string[][] {
  if (issue.code !== 'custom') return [];
  const related: unknown = issue.params?.['related'];
  if (!Array.isArray(related)) return [];
  return related.filter((key): key is string => typeof key === 'string').map((key) => key.split('.'));
}

/** zod issues → one located issue per problem (an unrecognized_keys issue becomes one per unknown key). */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[]): LocatedIssue[] {
  const located: LocatedIssue[] = [];
  for (const issue of issues) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      for (const unknown of issue.keys) {
        const keyPath = [...path, unknown];
        located.push({
          key: formatKey(keyPath),
          message: `${formatKey(keyPath)} is not a known key${suggestKey(nodeAt(path), unknown)}`,
          path: keyPath,
          related: [],
        });
      }
    } else if (issue.code === 'invalid_key') {
      const rule = issue.issues[0]?.message ?? 'is not an allowed key';
      const shown = JSON.stringify(maskUrlPassword(String(path[path.length - 1])));
      located.push({
        key: formatKey(path),
        message: `${formatKey(path.slice(0, -1))} has a key ${shown} that ${rule}`,
        path,
        related: [],
      });
    } else {
      located.push({
        key: formatKey(path),
        message: sentence(path, issue.message),
        path,
        related: relatedOf(issue),
      });
    }
  }
  return located;
}
