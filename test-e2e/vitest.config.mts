import { webstreamVitest } from '../vitest.shared.mts';

// Real processes share two cores: one suite file at a time. deployment-files.spec.ts checks docker/ and
// deploy/ statically (no processes, a few seconds).
export default webstreamVitest({
  include: ['test/**/*.e2e.spec.ts', 'test/deployment-files.spec.ts'],
  fileParallelism: false,
  testTimeout: 600_000,
  hookTimeout: 600_000,
});
