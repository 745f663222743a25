/**
 * Vite build of the dashboard SPA: root is this folder, output goes to `dashboard/dist` (emptied on
 * every build) and is served by every monitor replica at `/` (hence `base: '/'`). React's JSX runs
 * through @vitejs/plugin-react (v6, made for Vite 8).
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Build config: `bunx vite build --config dashboard/vite.config.ts` writes `dashboard/dist/`. */
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
});
