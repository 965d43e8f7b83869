import { readFile } from 'node:fs/promises';

// Prisma's schema engine compiled to WebAssembly: the native binary is not on npm, and this build is
// pinned exactly in package.json because its JS API is internal to Prisma.
export interface SchemaFilter {
  externalTables: string[];
  externalEnums: string[];
}

export interface MigrationList {
  baseDir: string;
  lockfile: { path: string; content: string | null };
  shadowDbInitScript: string;
  migrationDirectories: {
    path: string;
    migrationFile: {
      path: string;
      content: { tag: 'ok'; value: string } | { tag: 'error'; value: string };
    };
  }[];
}

interface SchemaFile {
  path: string;
  content: string;
}

export type DiffTarget =
  | { tag: 'empty' }
  | ({ tag: 'schemaDatamodel' } & { files: SchemaFile[] })
  | ({ tag: 'migrations' } & MigrationList);

export interface SchemaEngine {
  applyMigrations(input: {
    migrationsList: MigrationList;
    filters: SchemaFilter;
  }): Promise<{ appliedMigrationNames: string[] }>;
  diff(params: {
    from: DiffTarget;
    to: DiffTarget;
    script: boolean;
    exitCode: boolean | null;
    filters: SchemaFilter;
  }): Promise<{ exitCode: number; stdout: string | null }>;
  free(): void;
}

interface SchemaEngineModule {
  __wbg_set_wasm(exports: Record<string, unknown>): void;
  SchemaEngine: {
    new: (
      options: { datamodels: [string, string][] | undefined },
      log: (line: string) => void,
      adapterFactory: object,
    ) => Promise<SchemaEngine>;
  };
}

// @types/node 20 does not declare Node's WebAssembly global; this is the part used here.
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: Record<string, Record<string, unknown>>): Promise<WasmInstance>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let loaded: Promise<SchemaEngineModule> | undefined;

// The package targets bundlers (it imports its .wasm as a module), which Node cannot do: instantiate it by hand.
async function loadModule(): Promise<SchemaEngineModule> {
  const bindingsPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const bindings = (await import(bindingsPath)) as SchemaEngineModule;
  const wasm = await wasmApi.compile(await readFile(bindingsPath.replace(/\.js$/, '.wasm')));
  const instance = await wasmApi.instantiate(wasm, {
    './schema_engine_bg.js': bindings as unknown as Record<string, unknown>,
  });
  bindings.__wbg_set_wasm(instance.exports);
  const start = instance.exports['__wbindgen_start'];
  if (typeof start === 'function') (start as () => void)();
  return bindings;
}

export async function openSchemaEngine(
  datamodel: SchemaFile,
  adapterFactory: object,
  log: (line: string) => void,
): Promise<SchemaEngine> {
  loaded ??= loadModule();
  const module = await loaded;
  return module.SchemaEngine.new({ datamodels: [[datamodel.path, datamodel.content]] }, log, adapterFactory);
}

export const noSchemaFilter: SchemaFilter = { externalTables: [], externalEnums: [] };
