import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Response, Router } from 'express';

/**
 * GET /docs: Swagger UI over /openapi.json, served from the installed swagger-ui-dist package, so the
 * page works offline (no CDN, no public validator).
 */
const require = createRequire(import.meta.url);
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Hookline API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="docs"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

// validatorUrl null: the default would call a public validator, and the page must work offline
const DOCS_INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#docs',
  validatorUrl: null,
  deepLinking: true,
  tryItOutEnabled: false,
  persistAuthorization: false,
});
`;

export function sendDocsPage(res: Response): void {
  res.type('html').send(DOCS_HTML);
}

/** The page's script and Swagger UI's files (assets, not routes). */
export function docsAssets(): Router {
  const router = Router();
  router.use('/docs/init.js', (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.type('application/javascript').send(DOCS_INIT);
  });
  router.use('/docs/assets', express.static(SWAGGER_UI_DIR, { index: false, maxAge: '1h' }));
  return router;
}
