// The vitest preset every package uses: SWC so Nest decorator metadata is emitted as in the tsc build.
import swc from 'unplugin-swc';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

export function webstreamVitest(test: NonNullable<ViteUserConfig['test']> = {}): ViteUserConfig {
  return defineConfig({
    plugins: [swc.vite({ module: { type: 'es6' } })],
    test: {
      include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      ...test,
    },
  });
}
