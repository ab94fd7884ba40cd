import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

/** The dashboard's built files (`npm run build:dashboard`, run by `npm run setup`). */
export const DASHBOARD_DIST = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url));

/** GET /dashboard: a static single-page app that calls /v1 with the API key the user signs in with. */
export function dashboardRoutes(): Router {
  const router = Router();
  const index = `${DASHBOARD_DIST}index.html`;
  router.get('/dashboard', (_req, res) => {
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The dashboard is not built. Run: npm run build:dashboard\n');
      return;
    }
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(index);
  });
  router.use('/dashboard', express.static(DASHBOARD_DIST, { index: false, maxAge: '1h' }));
  return router;
}
