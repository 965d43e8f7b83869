// The vitest preset every package uses: SWC so Nest decorator metadata is emitted as in the tsc build.
import swc from 'unplugin-swc';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

export function webstreamVitest(test: NonNullable<ViteUserConfig['test']> = {}): ViteUserConfig {
  return defineConfig({
    plugins: [swc.vite({ module: { type: 'es6' } })],
    test: {
      include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
      // Wide: CI shares two cores with other suites; a bound here is a hang detector, not a performance check.
      testTimeout: 300_000,
      hookTimeout: 300_000,
      ...test,
    },
  });
}
