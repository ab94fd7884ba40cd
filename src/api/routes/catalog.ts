import { Router } from 'express';
import { z } from 'zod';
import { EVENT_TYPES } from '../../catalog/event-types.js';
import { sendSuccess } from '../envelope.js';

/** `GET /v1/event-types`: the catalog with a JSON Schema of each type's `data`. */
export function catalogRoutes(): Router {
  const router = Router();
  const catalog = EVENT_TYPES.map((t) => ({
    type: t.type,
    name: t.name,
    schemaName: t.schemaName,
    description: t.description,
    source: t.source,
    schema: t.data ? z.toJSONSchema(t.data) : null,
    example: t.example ?? null,
  }));
  router.get('/event-types', (_req, res) => sendSuccess(res, 200, catalog, null));
  return router;
}
