import { webstreamVitest } from '../vitest.shared.mts';

// Real processes share two cores: one suite file at a time.
export default webstreamVitest({
  include: ['test/**/*.e2e.spec.ts'],
  fileParallelism: false,
  testTimeout: 120_000,
});
