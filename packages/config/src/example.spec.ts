// The example file documents every key with its default; these tests keep it from drifting from the schema.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/temp-dir';
import { loadConfig } from './index';
import { allKeyPaths, childOf, configKeyTree, isPlainObject, type KeyNode } from './keys';

const EXAMPLE = path.resolve(__dirname, '../../../webstream.config.example.yaml');
/** A documented setting: "<indent># key: default" (prose and examples never start "# lowerCaseWord:"). */
const SETTING_LINE = /^(\s*)# ([a-z][A-Za-z]*:(?:\s.*)?)$/;

function defaults() {
  const dir = tempDir();
  return loadConfig({ argv: [], env: {}, cwd: dir }).config;
}

function keyPathsIn(value: unknown, node: KeyNode, prefix: string[] = []): string[] {
  if (!isPlainObject(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = [...prefix, key];
    const childNode = childOf(node, key);
    return [path.join('.'), ...(childNode === undefined ? [] : keyPathsIn(child, childNode, path))];
  });
}

describe('webstream.config.example.yaml', () => {
  const text = fs.readFileSync(EXAMPLE, 'utf8');
  const uncommented = text
    .split('\n')
    .map((line) => line.replace(SETTING_LINE, '$1$2'))
    .join('\n');

  it('loads, as shipped, to exactly the defaults', () => {
    const loaded = loadConfig({ argv: ['--config', EXAMPLE], env: {}, cwd: os.tmpdir() });
    expect(loaded.path).toBe(EXAMPLE);
    expect(loaded.config).toStrictEqual(defaults());
    expect(loaded.warnings).toEqual([]);
  });

  it('still gives exactly the defaults with every documented setting uncommented', () => {
    expect(uncommented).not.toBe(text);
    const dir = tempDir();
    const file = path.join(dir, 'uncommented.yaml');
    fs.writeFileSync(file, uncommented);
    expect(loadConfig({ argv: ['--config', file], env: {}, cwd: dir }).config).toStrictEqual(defaults());
  });

  it('documents every key of the schema, and no other', () => {
    const documented = keyPathsIn(parse(uncommented), configKeyTree).sort();
    const known = allKeyPaths()
      .map((keyPath) => keyPath.join('.'))
      .sort();
    expect(documented).toEqual(known);
    expect(known).toContain('gateway.healthCheck.failureThreshold');
    expect(known).toContain('mcpApiKeys');
  });

  it('shows secrets only as comments', () => {
    const settings = text.split('\n').filter((line) => SETTING_LINE.test(line));
    expect(settings).toContain('  # serverPfxSecret:');
    expect(settings).toContain('# mcpApiKeys: []');
    expect(text).not.toMatch(/^\s*(serverPfxSecret|key|mcpApiKeys):/m);
  });
});
