import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Static files for the gateway to serve at /; the API is the gateway itself, so every call is same-origin.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', sourcemap: true, emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  test: { include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'] },
});
