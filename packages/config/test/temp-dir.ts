import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll } from 'vitest';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder, removed after the test file; given yaml, it holds it as ./webstream.config.yaml. */
export function tempDir(yaml?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webstream-config-'));
  dirs.push(dir);
  if (yaml !== undefined) fs.writeFileSync(path.join(dir, 'webstream.config.yaml'), yaml);
  return dir;
}
