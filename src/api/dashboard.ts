import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Response, type RequestHandler } from 'express';

/** The dashboard's built files (`npm run build:dashboard`, run by `npm run setup`). */
export const DASHBOARD_DIST = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url));
const INDEX = `${DASHBOARD_DIST}index.html`;

/** GET /dashboard: a static single-page app that calls /v1 with the credential the user signs in with. */
export function sendDashboard(res: Response): void {
  if (!existsSync(INDEX)) {
    res.status(503).type('text/plain').send('The dashboard is not built. Run: npm run build:dashboard\n');
    return;
  }
  res.setHeader('cache-control', 'no-cache');
  res.sendFile(INDEX);
}

/** The bundle's files under /dashboard/ (assets, not routes). */
export function dashboardAssets(): RequestHandler {
  return express.static(DASHBOARD_DIST, { index: false, maxAge: '1h' });
}
