#!/usr/bin/env node
// Runs `prisma generate` for the package in the current folder without Prisma's binary download.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const prismaCli = require.resolve('prisma/build/index.js', { paths: [process.cwd()] });
const result = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', 'prisma/schema.prisma'], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    ...process.env,
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    PRISMA_SCHEMA_ENGINE_BINARY: join(__dirname, '..', 'bin', 'schema-engine-version'),
  },
});
process.exitCode = result.status ?? 1;
