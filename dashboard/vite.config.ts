import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The dashboard is a static bundle the API serves at /dashboard (src/api/dashboard.ts): no CDN, no
 * server-side rendering; it calls /v1 with the API key the user signs in with.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/dashboard/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // the typed client from its source, bundled with the pages: no package build between a regenerated
  // schema and the dashboard (the name matches the package's, dashboard/tsconfig.json maps it too)
  resolve: { alias: { '@hookline/client': fileURLToPath(new URL('../packages/client/src/index.ts', import.meta.url)) } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    reportCompressedSize: false,
  },
  // `vite dev` for working on it: API calls go to a local `npm start`
  server: { proxy: { '/v1': 'http://localhost:3000' } },
});
