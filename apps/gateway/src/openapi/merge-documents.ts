import { type OpenApiDocument } from '@webstream/service-kit';
import { type oas31 } from 'zod-openapi';

/** One service's specification, as it goes into the aggregated document. */
export interface ServiceSpecification {
  /** Prefix of its tags, e.g. iam → iam/users. */
  service: string;
  /** The name of its tag group. */
  title: string;
  document: OpenApiDocument;
}

export interface TagGroup {
  name: string;
  tags: string[];
}

export type AggregatedDocument = OpenApiDocument & { 'x-tagGroups': TagGroup[] };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type Method = (typeof METHODS)[number];
type ComponentSection = keyof oas31.ComponentsObject;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Replaces every `$ref` found in `renames` with its new target, in place. */
function rewriteRefs(node: unknown, renames: ReadonlyMap<string, string>): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteRefs(item, renames);
    return;
  }
  if (!isRecord(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      const renamed = renames.get(value);
      if (renamed !== undefined) node[key] = renamed;
    } else {
      rewriteRefs(value, renames);
    }
  }
}

function operationsOf(document: OpenApiDocument): oas31.OperationObject[] {
  const operations: oas31.OperationObject[] = [];
  for (const item of Object.values(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (item as Partial<Record<Method, oas31.OperationObject>>)[method];
      if (operation !== undefined) operations.push(operation);
    }
  }
  return operations;
}

/**
 * Merges each service's document into one: paths side by side, components merged (a name two services use for
 * different things is renamed `<service>.<name>` in the later one, with its references), each operation's tags
 * prefixed with its service and grouped per service (x-tagGroups, read by Redoc and others).
 */
export function mergeDocuments(
  info: oas31.InfoObject,
  servers: oas31.ServerObject[],
  specifications: ServiceSpecification[],
): AggregatedDocument {
  const paths: oas31.PathsObject = {};
  const components: Record<string, Record<string, unknown>> = {};
  const tags: oas31.TagObject[] = [];
  const groups: TagGroup[] = [];

  for (const specification of specifications) {
    const document = structuredClone(specification.document);
    const { service } = specification;

    // Components first: renames must be known before the paths are copied.
    const renames = new Map<string, string>();
    const schemeRenames = new Map<string, string>();
    const incoming = Object.entries((document.components ?? {}) as Record<string, unknown>);
    const additions: [section: string, name: string, value: unknown][] = [];
    for (const [section, entries] of incoming) {
      if (!isRecord(entries)) continue;
      const present = components[section] ?? {};
      for (const [name, value] of Object.entries(entries)) {
        const existing = present[name];
        if (existing !== undefined && JSON.stringify(existing) === JSON.stringify(value)) continue;
        const kept = existing === undefined ? name : `${service}.${name}`;
        if (kept !== name) {
          renames.set(`#/components/${section}/${name}`, `#/components/${section}/${kept}`);
          if ((section as ComponentSection) === 'securitySchemes') schemeRenames.set(name, kept);
        }
        additions.push([section, kept, value]);
      }
    }
    rewriteRefs(document, renames);
    for (const [section, name, value] of additions) (components[section] ??= {})[name] = value;

    const declared = new Map((document.tags ?? []).map((tag) => [tag.name, tag.description]));
    const groupTags: string[] = [];
    const addTag = (name: string, description: string | undefined): string => {
      const prefixed = `${service}/${name}`;
      if (!groupTags.includes(prefixed)) {
        groupTags.push(prefixed);
        tags.push({ name: prefixed, ...(description ? { description } : {}) });
      }
      return prefixed;
    };
    for (const operation of operationsOf(document)) {
      // A document-wide requirement no longer applies once merged: each operation carries its own.
      if (operation.security === undefined && document.security !== undefined)
        operation.security = document.security;
      if (operation.security !== undefined && schemeRenames.size > 0) {
        operation.security = operation.security.map((requirement) =>
          Object.fromEntries(
            Object.entries(requirement).map(([name, scopes]) => [schemeRenames.get(name) ?? name, scopes]),
          ),
        );
      }
      const own = operation.tags?.length ? operation.tags : [service];
      operation.tags = own.map((tag) => addTag(tag, declared.get(tag)));
    }
    groups.push({ name: specification.title, tags: groupTags });

    for (const [path, item] of Object.entries(document.paths ?? {})) {
      // Paths do not overlap between services (/gateway, /iam, /mcp); should one ever, the first keeps it.
      paths[path] = { ...item, ...paths[path] };
    }
  }

  return {
    openapi: '3.1.0',
    info,
    servers,
    tags,
    paths,
    components,
    'x-tagGroups': groups,
  };
}
