import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Static files for the gateway to serve at /; the API is the gateway itself, so every call is same-origin.
export default defineConfig({
  plugins: [react()],
  // The contracts' TypeScript rather than their CommonJS build: as ES modules, zod is bundled only for what the
  // client uses instead of whole (it was half of the bundle).
  resolve: {
    alias: {
      '@webstream/contracts': fileURLToPath(new URL('../contracts/src/index.ts', import.meta.url)),
    },
  },
  build: { outDir: 'dist', sourcemap: true, emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  test: { include: ['src/**/*.spec.ts', 'test/**/*.spec.ts', 'test/**/*.spec.tsx'] },
});
