/**
 * Vite build of the app server's page: root is this folder, output goes to `app-ui/dist` (emptied
 * on every build), served by every app server at `/` with its bootstrap data injected into
 * index.html (hence `base: '/'`). React's JSX runs through @vitejs/plugin-react (v6, for Vite 8).
 * `vite dev` proxies the API to the app at `ZONESCALE_APP_URL` (default http://127.0.0.1:9101).
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const target = process.env.ZONESCALE_APP_URL ?? 'http://127.0.0.1:9101';

/** Build config: `bunx vite build --config app-ui/vite.config.ts` writes `app-ui/dist/`. */
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: Object.fromEntries(['/stream', '/scenario', '/health_check'].map((p) => [p, { target, changeOrigin: true }])),
  },
});
