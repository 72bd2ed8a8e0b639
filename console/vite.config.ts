/**
 * Builds the web console into console/dist, which Roster serves at `/` (src/plugins/console.plugin.ts).
 * `npm run build` runs this through scripts/build-console.mjs, which skips it when nothing changed.
 * `npm run dev:console` serves it with hot reload, sending /v1 to a Roster on port 3000.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // One small bundle; no inline scripts (the console's CSP forbids them).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: {
    proxy: { '/v1': 'http://127.0.0.1:3000' },
  },
});
