import type { RouteDefinition } from '../route.js';
import { apiKeyRoutes } from './api-keys.js';
import { catalogRoutes } from './catalog.js';
import { communityRoutes } from './communities.js';
import { deliveryRoutes } from './deliveries.js';
import { eventRoutes } from './events.js';
import { operationRoutes } from './operations.js';
import { portalSessionRoutes } from './portal-sessions.js';
import { purgeRunRoutes } from './purge-runs.js';
import { replayJobRoutes } from './replay-jobs.js';
import { webhookRoutes } from './webhooks.js';

/**
 * Every route of the API, one file per resource; the app registers them, the OpenAPI document and
 * the metrics' route labels are made from them. A new resource's file is added here once; a new
 * route of an existing resource only in its file.
 */
export const API_ROUTES: readonly RouteDefinition[] = [
  ...operationRoutes,
  ...communityRoutes,
  ...apiKeyRoutes,
  ...portalSessionRoutes,
  ...catalogRoutes,
  ...eventRoutes,
  ...webhookRoutes,
  ...replayJobRoutes,
  ...deliveryRoutes,
  ...purgeRunRoutes,
];
