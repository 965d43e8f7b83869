// The tree of known configuration keys, read off the zod schema so it cannot drift from it. Used to match
// environment overrides case-insensitively, to treat an empty `key:` in YAML as "use the default", and to suggest
// the intended key when one is misspelt.
import { type z } from 'zod';
import { webstreamConfigSchema } from './schema';

export type KeyNode = SectionNode | ValueNode;

export interface SectionNode {
  readonly kind: 'section';
  /** Children by lower-cased name. */
  readonly children: ReadonlyMap<string, { readonly name: string; readonly node: KeyNode }>;
}

export interface ValueNode {
  readonly kind: 'value';
  /** A string or enum: an environment override is taken verbatim rather than parsed as YAML. */
  readonly text: boolean;
}

interface LooseDef {
  type: string;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
}

function defOf(schema: z.core.$ZodType): LooseDef {
  return schema._zod.def;
}

/** Strips optional/default/prefault/transform wrappers down to the schema that decides the input's shape. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    const inner = def.type === 'pipe' ? def.in : def.innerType;
    if (inner === undefined) return current;
    current = inner;
  }
}

export function describeSchema(schema: z.core.$ZodType): KeyNode {
  const def = defOf(unwrap(schema));
  if (def.type === 'object' && def.shape !== undefined) {
    const children = new Map<string, { name: string; node: KeyNode }>();
    for (const [name, child] of Object.entries(def.shape)) {
      children.set(name.toLowerCase(), { name, node: describeSchema(child) });
    }
    return { kind: 'section', children };
  }
  return { kind: 'value', text: def.type === 'string' || def.type === 'enum' };
}

export const configKeyTree = describeSchema(webstreamConfigSchema) as SectionNode;

/** The child of a section with exactly this (case-sensitive) name. */
export function childOf(node: KeyNode | undefined, name: string): KeyNode | undefined {
  if (node?.kind !== 'section') return undefined;
  const child = node.children.get(name.toLowerCase());
  return child?.name === name ? child.node : undefined;
}

/** The node at a path of known keys (array indices are skipped: a list's items are not described). */
export function nodeAt(path: readonly PropertyKey[]): KeyNode | undefined {
  let node: KeyNode | undefined = configKeyTree;
  for (const segment of path) {
    if (typeof segment !== 'string') return undefined;
    node = childOf(node, segment);
  }
  return node;
}

/** Every key path, sections included, in schema order: [['gateway'], ['gateway', 'enabled'], ...]. */
export function allKeyPaths(node: KeyNode = configKeyTree, prefix: readonly string[] = []): string[][] {
  if (node.kind !== 'section') return [];
  const paths: string[][] = [];
  for (const { name, node: child } of node.children.values()) {
    const path = [...prefix, name];
    paths.push(path, ...allKeyPaths(child, path));
  }
  return paths;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Removes known keys whose value is null, in place: `redis:` or `url:` with nothing after it means "use the
 * default", which lets the example file keep its section headers with every setting commented out. Unknown keys
 * are kept so validation still reports them.
 */
export function dropEmptyKeys(value: unknown, node: KeyNode = configKeyTree): void {
  if (node.kind !== 'section' || !isPlainObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const childNode = childOf(node, key);
    if (childNode === undefined) continue;
    if (child === null) delete value[key];
    else dropEmptyKeys(child, childNode);
  }
}

/** Edit distance counting a swap of two neighbouring letters as one edit (prot → port). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** "did you mean port?" for a misspelt key, or the list of known keys when nothing is close. */
export function suggestKey(section: KeyNode | undefined, unknown: string): string {
  if (section?.kind !== 'section') return '';
  const names = [...section.children.values()].map((child) => child.name);
  const sameCase = section.children.get(unknown.toLowerCase());
  if (sameCase !== undefined) return ` (did you mean ${sameCase.name}?)`;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of names) {
    const distance = editDistance(unknown.toLowerCase(), name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= (best.length <= 4 ? 1 : 2)) {
    return ` (did you mean ${best}?)`;
  }
  return ` (known keys: ${names.join(', ')})`;
}
