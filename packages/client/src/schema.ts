/**
 * Generated from the Hookline API's OpenAPI document (GET /openapi.json) by
 * `npm run generate:client` (scripts/generate-client.ts). Do not edit: change the route
 * declarations (src/api/routes/, src/api/schemas.ts, src/api/responses.ts) and regenerate.
 */

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness */
        get: operations["getHealthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: Postgres and Temporal reachable */
        get: operations["getReadyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: operations["getOpenapiJson"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A page to read this document */
        get: operations["getDocs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dashboard": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The deliveries dashboard (sign in with a community API key) */
        get: operations["getDashboard"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/communities": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List communities
         * @description Operator only (ADMIN_TOKEN).
         */
        get: operations["getV1Communities"];
        put?: never;
        /**
         * Create a community
         * @description Operator only (ADMIN_TOKEN).
         */
        post: operations["postV1Communities"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/communities/{communityId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Rename a community or set how long its final deliveries are kept
         * @description `retentionDays` (1–365) overrides the deployment's RETENTION for this community's deliveries, attempts, events, finished replay jobs and revoked keys, from the next purge on; `null` goes back to RETENTION. See docs/retention.md.
         *
         *     Operator only (ADMIN_TOKEN).
         */
        patch: operations["patchV1CommunitiesCommunityId"];
        trace?: never;
    };
    "/v1/communities/{communityId}/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List live API keys (without the keys), with lastUsedAt to the minute */
        get: operations["getV1CommunitiesCommunityIdApiKeys"];
        put?: never;
        /**
         * Create an API key (the key is shown this once); at most MAX_API_KEYS_PER_COMMUNITY live keys
         * @description Operator only (ADMIN_TOKEN).
         */
        post: operations["postV1CommunitiesCommunityIdApiKeys"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/communities/{communityId}/api-keys/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke an API key: it stops working at once
         * @description Operator only (ADMIN_TOKEN).
         */
        delete: operations["deleteV1CommunitiesCommunityIdApiKeysKeyId"];
        options?: never;
        head?: never;
        /**
         * Rename, disable or enable an API key
         * @description Operator only (ADMIN_TOKEN).
         */
        patch: operations["patchV1CommunitiesCommunityIdApiKeysKeyId"];
        trace?: never;
    };
    "/v1/communities/{communityId}/portal-sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create a portal link: the dashboard signed in as the community for ttlSeconds (60–86400, default 3600)
         * @description The answer's `url` is `<PUBLIC_BASE_URL>/dashboard#portal=<token>`, shown this once (only the SHA-256 of the token is kept). The session has a community API key's rights except over API keys; at most MAX_PORTAL_SESSIONS_PER_COMMUNITY are live at once. See docs/portal.md.
         *
         *     Operator only (ADMIN_TOKEN).
         */
        post: operations["postV1CommunitiesCommunityIdPortalSessions"];
        /**
         * Revoke every live portal session of the community: they stop working at once
         * @description Operator only (ADMIN_TOKEN).
         */
        delete: operations["deleteV1CommunitiesCommunityIdPortalSessions"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/event-types": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The event catalog, with a JSON Schema of each type’s data */
        get: operations["getV1EventTypes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Emit an event: one durable delivery per subscribed active webhook
         * @description `data` must match the schema of `type` (see the event-type schemas below). An `id` makes the call idempotent: the same id again returns the same event and deliveries and starts nothing new. The admin token must add `communityId`.
         */
        post: operations["postV1Events"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An event with its deliveries */
        get: operations["getV1EventsId"];
        put?: never;
        post?: never;
        /**
         * Expunge an event: its data is erased for good and its pending deliveries are cancelled
         * @description The event reads afterwards with `data: null` and `expungedAt`. Its deliveries and their attempts stay (what was sent when, and what each receiver answered); the pending ones are cancelled and none is sent again: a replay answers 409, a bulk replay skips them. Idempotent. By Hookline id or by your own `id`. See docs/retention.md#expunge.
         */
        delete: operations["deleteV1EventsId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List webhooks */
        get: operations["getV1Webhooks"];
        put?: never;
        /** Register a webhook (its signing secret is shown this once); at most MAX_WEBHOOKS_PER_COMMUNITY per community */
        post: operations["postV1Webhooks"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a webhook */
        get: operations["getV1WebhooksId"];
        put?: never;
        post?: never;
        /** Delete a webhook; its pending deliveries are cancelled */
        delete: operations["deleteV1WebhooksId"];
        options?: never;
        head?: never;
        /**
         * Change a webhook; changes reach the next attempt
         * @description Setting `active` to true resumes the deliveries that waited while it was disabled.
         */
        patch: operations["patchV1WebhooksId"];
        trace?: never;
    };
    "/v1/webhooks/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Rotate the signing secret; the old one keeps signing beside it for SECRET_ROTATION_GRACE */
        post: operations["postV1WebhooksIdRotateSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a webhook.test event to this webhook alone */
        post: operations["postV1WebhooksIdTest"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Recent deliveries of a webhook, newest first, each with its latest attempt */
        get: operations["getV1WebhooksIdDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replay every failed delivery of this webhook created in a window, as a job
         * @description The job runs durably (a workflow) at a bounded rate (BULK_REPLAY_RATE); read its progress at GET /v1/replay-jobs/{id}. The window spans at most 30 days; one job runs per webhook at a time (409 while one runs).
         */
        post: operations["postV1WebhooksIdReplay"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/replay-jobs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A replay job and its progress */
        get: operations["getV1ReplayJobsId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List deliveries, newest first, each with its latest attempt */
        get: operations["getV1Deliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deliveries/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A delivery with its latest 20 attempts (newest first), the cursor of the older ones, and its Temporal workflow */
        get: operations["getV1DeliveriesId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deliveries/{id}/attempts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A delivery's attempts, newest first, a page at a time (limit at most 100) */
        get: operations["getV1DeliveriesIdAttempts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deliveries/{id}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replay a delivery (any final status): a fresh run of the schedule, same delivery id
         * @description At most REPLAYS_PER_DELIVERY_PER_HOUR (10) replays of one delivery in any hour; then 429 with Retry-After.
         */
        post: operations["postV1DeliveriesIdReplay"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/purge-runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Run the purge now (through its schedule; a run already going is not doubled)
         * @description Triggers the `hookline-purge` schedule with its overlap policy (SKIP): when a run is going already, that run is answered with `started: false`. Poll GET /v1/purge-runs/latest for its progress and result.
         *
         *     Operator only (ADMIN_TOKEN).
         */
        post: operations["postV1PurgeRuns"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/purge-runs/latest": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The purge's last run: its progress while it runs, what it deleted once done
         * @description Operator only (ADMIN_TOKEN).
         */
        get: operations["getV1PurgeRunsLatest"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Community: {
            id: string;
            name: string;
            /** @description days its final deliveries are kept; null: the deployment's RETENTION */
            retentionDays: number | null;
            /** Format: date-time */
            createdAt: string;
        };
        ApiKeyCreated: {
            id: string;
            communityId: string;
            name: string;
            /** @description the first characters of the key, to recognise it */
            prefix: string;
            disabled: boolean;
            lastUsedAt: string | null;
            /** Format: date-time */
            createdAt: string;
            /** @description shown this once */
            key: string;
        };
        ApiKey: {
            id: string;
            communityId: string;
            name: string;
            /** @description the first characters of the key, to recognise it */
            prefix: string;
            disabled: boolean;
            lastUsedAt: string | null;
            /** Format: date-time */
            createdAt: string;
        };
        PortalSessionCreated: {
            id: string;
            /** @description the dashboard, signed in as the community: /dashboard#portal=<token>; shown this once */
            url: string;
            /** Format: date-time */
            expiresAt: string;
        };
        EventType: {
            type: string;
            name: string;
            schemaName: string;
            description: string;
            /** @description whether POST /v1/events accepts it */
            source: boolean;
            /** @description emitted by Hookline itself about one of the community’s webhooks */
            operational: boolean;
            /** @description JSON Schema of the event data */
            schema: unknown;
            example: unknown;
            /** @description a filter on another type: a webhook subscribed to it lists `requires` and gets `deliversAs` events */
            subscriptionOnly: {
                deliversAs: string;
                /** @constant */
                requires: "channelIds";
            } | null;
        };
        EventAccepted: {
            event: components["schemas"]["Event"];
            deliveries: {
                id: string;
                webhookId: string;
            }[];
        };
        Event: {
            id: string;
            externalId: string | null;
            communityId: string;
            type: string;
            /** Format: date-time */
            occurredAt: string;
            /** @description the event data; null once expunged */
            data: unknown;
            /** Format: date-time */
            createdAt: string;
            /** @description when DELETE /v1/events/:id erased the data for good; null otherwise */
            expungedAt: string | null;
        };
        UserJoinedCommunityEvent: {
            user: {
                id: string;
                username: string;
                displayName?: string;
                /** Format: email */
                email?: string;
                /** Format: uri */
                avatar?: string;
            };
            /** Format: date-time */
            joinedAt: string;
        };
        UserVisitedCommunityEvent: {
            user: {
                id: string;
                username: string;
                displayName?: string;
                /** Format: email */
                email?: string;
                /** Format: uri */
                avatar?: string;
            };
            /** Format: date-time */
            visitedAt: string;
        };
        ChannelMessagePostedEvent: {
            message: {
                id: string;
                text: string;
            };
            user: {
                id: string;
                username: string;
                /** Format: email */
                email?: string;
            };
            channel: {
                id: string;
                name: string;
            };
            /** Format: date-time */
            postedAt: string;
        };
        PurchasedStoreItemEvent: {
            purchase: {
                id: string;
                quantity: number;
                price: number;
                currency: string;
            };
            item: {
                id: string;
                name: string;
                category?: string;
            };
            user: {
                id: string;
                username: string;
                /** Format: email */
                email?: string;
            };
            /** Format: date-time */
            purchasedAt: string;
        };
        Delivery: {
            id: string;
            communityId: string;
            eventId: string;
            webhookId: string;
            eventType: string;
            /** @enum {string} */
            status: "pending" | "succeeded" | "failed" | "cancelled";
            attemptCount: number;
            lastAttemptAt: string | null;
            nextAttemptAt: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            temporal: {
                workflowId: string;
                uiUrl: string;
            };
            /** @description newest first: the latest 20 in GET /v1/deliveries/{id}, the latest one in lists; the rest through GET /v1/deliveries/{id}/attempts */
            attempts?: components["schemas"]["Attempt"][];
            /** @description the cursor of the older attempts (GET /v1/deliveries/{id}/attempts?cursor=…), or null when `attempts` holds them all */
            attemptsNextCursor?: string | null;
        };
        Attempt: {
            attemptNumber: number;
            /** Format: date-time */
            startedAt: string;
            durationMs: number;
            request: {
                url: string;
                headers: {
                    [key: string]: string;
                };
            };
            response: {
                status: number;
                headers: {
                    [key: string]: string;
                };
                body: string;
                bodyTruncated: boolean;
            } | null;
            error: {
                code: string;
                message: string;
            } | null;
        };
        WebhookCreated: {
            id: string;
            communityId: string;
            url: string;
            description: string | null;
            /** @enum {string} */
            format: "json" | "xml";
            events: string[];
            channelIds: string[] | null;
            active: boolean;
            /** @description why Hookline disabled it, e.g. "gone" after a 410 */
            disabledReason: string | null;
            encryption: {
                enabled: boolean;
                algorithm: ("aes-256-gcm" | "aes-256-cbc") | null;
            };
            maxConcurrency: number;
            rateLimitPerSecond: number | null;
            /** @enum {string} */
            ordering: "none" | "fifo";
            /** @description names of its custom request headers; their values are never returned */
            headerNames: string[];
            flow: components["schemas"]["WebhookFlow"];
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            /** @description the signing secret (whsec_…), shown this once */
            secret: string;
        };
        WebhookFlow: {
            /** @description attempts holding a slot now, across every worker */
            inFlight: number;
            /** @description the adaptive limit: halved by 429, 503 and timeouts, raised by one per success */
            effectiveConcurrency: number;
            /** @description set while a Retry-After pauses the whole webhook */
            pausedUntil: string | null;
            /** @description deliveries waiting for a slot (or, FIFO, for earlier deliveries) */
            waiting: number;
        };
        Webhook: {
            id: string;
            communityId: string;
            url: string;
            description: string | null;
            /** @enum {string} */
            format: "json" | "xml";
            events: string[];
            channelIds: string[] | null;
            active: boolean;
            /** @description why Hookline disabled it, e.g. "gone" after a 410 */
            disabledReason: string | null;
            encryption: {
                enabled: boolean;
                algorithm: ("aes-256-gcm" | "aes-256-cbc") | null;
            };
            maxConcurrency: number;
            rateLimitPerSecond: number | null;
            /** @enum {string} */
            ordering: "none" | "fifo";
            /** @description names of its custom request headers; their values are never returned */
            headerNames: string[];
            flow: components["schemas"]["WebhookFlow"];
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        ReplayJob: {
            id: string;
            communityId: string;
            webhookId: string;
            /** Format: date-time */
            since: string;
            until: string | null;
            /** @enum {string} */
            status: "running" | "completed" | "failed";
            /** @description failed deliveries replayed or to replay; final once completed */
            total: number;
            done: number;
            failed: number;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            completedAt: string | null;
            temporal: {
                workflowId: string;
                uiUrl: string;
            };
        };
        PurgeRun: {
            workflowId: string;
            /** @enum {string} */
            status: "running" | "completed" | "failed" | "cancelled" | "terminated" | "timed_out";
            /** @description POST only: false when a run was already going and no second one was started */
            started?: boolean;
            /** Format: date-time */
            startedAt: string;
            closedAt: string | null;
            /** @description where the run stands; null when its progress could not be read */
            stage: ("community" | "secrets" | "vacuum" | "done") | null;
            /** @description rows deleted so far (all of them once completed) */
            deleted: {
                deliveries: number;
                attempts: number;
                events: number;
                replayJobs: number;
                webhookSecrets: number;
                apiKeys: number;
                /** @description ended portal sessions (expired or revoked) */
                portalSessions: number;
            } | null;
            /** @description delete statements run */
            batches: number | null;
            /** @description communities gone through */
            communities: number | null;
            /** @description tables VACUUMed at the end */
            vacuumed: string[] | null;
            schedule: {
                scheduleId: string;
                everyMs: number | null;
                paused: boolean;
                nextRunAt: string | null;
            };
            temporal: {
                workflowId: string;
                uiUrl: string;
            };
        };
    };
    responses: {
        /** @description The error envelope */
        Error: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": {
                    /** @constant */
                    status: "error";
                    message: string;
                    /** @description what exactly was wrong, e.g. [{field, message}] */
                    detail?: unknown;
                    solution: string;
                    meta: {
                        statusCode?: number;
                    };
                };
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the process answers */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: {
                            /** @constant */
                            ok: true;
                        };
                    };
                };
            };
        };
    };
    getReadyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description ready */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: {
                            postgres: boolean;
                            temporal: boolean;
                        };
                    };
                };
            };
            /** @description a dependency (Postgres or Temporal) is unreachable; retry */
            503: components["responses"]["Error"];
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text exposition format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    getOpenapiJson: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OpenAPI 3.1 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
        };
    };
    getDocs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTML */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
        };
    };
    getDashboard: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTML */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
        };
    };
    getV1Communities: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description a page of communities */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["Community"][];
                        meta: {
                            nextCursor: string | null;
                        };
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    postV1Communities: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                };
            };
        };
        responses: {
            /** @description the community */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["Community"];
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    patchV1CommunitiesCommunityId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                communityId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    retentionDays?: number | null;
                };
            };
        };
        responses: {
            /** @description the community */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["Community"];
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    getV1CommunitiesCommunityIdApiKeys: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                communityId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the keys */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["ApiKey"][];
                        meta: {
                            nextCursor: string | null;
                        };
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description a portal session: it cannot manage API keys */
            403: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    postV1CommunitiesCommunityIdApiKeys: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                communityId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                };
            };
        };
        responses: {
            /** @description the key */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["ApiKeyCreated"];
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description a portal session: it cannot manage API keys */
            403: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description conflict */
            409: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    deleteV1CommunitiesCommunityIdApiKeysKeyId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                communityId: string;
                keyId: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description revoked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: {
                            id: string;
                            /** @constant */
                            revoked: true;
                        };
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description a portal session: it cannot manage API keys */
            403: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    patchV1CommunitiesCommunityIdApiKeysKeyId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                communityId: string;
                keyId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    disabled?: boolean;
                };
            };
        };
        responses: {
            /** @description the key */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["ApiKey"];
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description a portal session: it cannot manage API keys */
            403: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    postV1CommunitiesCommunityIdPortalSessions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                communityId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @default 3600 */
                    ttlSeconds?: number;
                };
            };
        };
        responses: {
            /** @description the link */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["PortalSessionCreated"];
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description conflict */
            409: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    deleteV1CommunitiesCommunityIdPortalSessions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                communityId: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description how many were revoked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: {
                            revoked: number;
                        };
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    getV1EventTypes: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the catalog */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["EventType"][];
                        meta: {
                            nextCursor: string | null;
                        };
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    postV1Events: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    communityId?: string;
                    id?: string;
                    /** @enum {string} */
                    type: "user.joined" | "user.visited" | "message.posted" | "store.item.purchased";
                    /** Format: date-time */
                    occurredAt?: string;
                    /** @description The event’s data; its schema is the one of `type` in the catalog (GET /v1/event-types). */
                    data: components["schemas"]["UserJoinedCommunityEvent"] | components["schemas"]["UserVisitedCommunityEvent"] | components["schemas"]["ChannelMessagePostedEvent"] | components["schemas"]["PurchasedStoreItemEvent"];
                };
            };
        };
        responses: {
            /** @description accepted; every delivery is durable */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["EventAccepted"];
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description conflict */
            409: components["responses"]["Error"];
            /** @description body over MAX_BODY_BYTES */
            413: components["responses"]["Error"];
            /** @description the body is not JSON */
            415: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    getV1EventsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the event */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: {
                            id: string;
                            externalId: string | null;
                            communityId: string;
                            type: string;
                            /** Format: date-time */
                            occurredAt: string;
                            /** @description the event data; null once expunged */
                            data: unknown;
                            /** Format: date-time */
                            createdAt: string;
                            /** @description when DELETE /v1/events/:id erased the data for good; null otherwise */
                            expungedAt: string | null;
                            deliveries: components["schemas"]["Delivery"][];
                        };
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    deleteV1EventsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description the expunged event with its deliveries */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: {
                            id: string;
                            externalId: string | null;
                            communityId: string;
                            type: string;
                            /** Format: date-time */
                            occurredAt: string;
                            /** @description the event data; null once expunged */
                            data: unknown;
                            /** Format: date-time */
                            createdAt: string;
                            /** @description when DELETE /v1/events/:id erased the data for good; null otherwise */
                            expungedAt: string | null;
                            deliveries: components["schemas"]["Delivery"][];
                        };
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    getV1Webhooks: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                communityId?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description a page of webhooks */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["Webhook"][];
                        meta: {
                            nextCursor: string | null;
                        };
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    postV1Webhooks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    communityId?: string;
                    url: string;
                    description?: string | null;
                    /**
                     * @default json
                     * @enum {string}
                     */
                    format?: "json" | "xml";
                    events: ("user.joined" | "user.visited" | "message.posted" | "channel.message.posted" | "store.item.purchased" | "webhook.test" | "webhook.disabled" | "webhook.enabled" | "delivery.failed")[];
                    channelIds?: string[] | null;
                    /** @default true */
                    active?: boolean;
                    encryption?: {
                        enabled: boolean;
                        /** @enum {string} */
                        algorithm?: "aes-256-gcm" | "aes-256-cbc";
                        key?: string;
                    };
                    /**
                     * @description attempts in flight to this webhook at once, across every worker
                     * @default 10
                     */
                    maxConcurrency?: number;
                    /**
                     * @description attempts started per second; null for no limit
                     * @default null
                     */
                    rateLimitPerSecond?: number | null;
                    /**
                     * @description fifo: one attempt at a time, in the order the events were accepted
                     * @default none
                     * @enum {string}
                     */
                    ordering?: "none" | "fifo";
                    /** @description custom request headers sent on every attempt, {name: value}: at most 20, names [A-Za-z0-9-]{1,64}, values printable ASCII up to 1024 characters; Hookline's own headers, host, content-length, connection and transfer-encoding are refused. Values are sealed at rest and never returned (read back headerNames). */
                    headers?: {
                        [key: string]: string;
                    };
                };
            };
        };
        responses: {
            /** @description the webhook and its secret */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["WebhookCreated"];
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description conflict */
            409: components["responses"]["Error"];
            /** @description body over MAX_BODY_BYTES */
            413: components["responses"]["Error"];
            /** @description the body is not JSON */
            415: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    getV1WebhooksId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the webhook */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["Webhook"];
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    deleteV1WebhooksId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: {
                            id: string;
                            /** @constant */
                            deleted: true;
                            cancelledDeliveries: number;
                        };
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    patchV1WebhooksId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    url?: string;
                    description?: string | null;
                    /** @enum {string} */
                    format?: "json" | "xml";
                    events?: ("user.joined" | "user.visited" | "message.posted" | "channel.message.posted" | "store.item.purchased" | "webhook.test" | "webhook.disabled" | "webhook.enabled" | "delivery.failed")[];
                    channelIds?: string[] | null;
                    active?: boolean;
                    encryption?: {
                        enabled: boolean;
                        /** @enum {string} */
                        algorithm?: "aes-256-gcm" | "aes-256-cbc";
                        key?: string;
                    };
                    /** @description attempts in flight to this webhook at once, across every worker */
                    maxConcurrency?: number;
                    /** @description attempts started per second; null for no limit */
                    rateLimitPerSecond?: number | null;
                    /**
                     * @description fifo: one attempt at a time, in the order the events were accepted
                     * @enum {string}
                     */
                    ordering?: "none" | "fifo";
                    /** @description a merge patch of the custom headers: a name with a value sets it, a name with null removes it, a name left out keeps its value; null removes them all */
                    headers?: {
                        [key: string]: string | null;
                    } | null;
                };
            };
        };
        responses: {
            /** @description the webhook */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["Webhook"];
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    postV1WebhooksIdRotateSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description the new secret, shown this once */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: {
                            secret: string;
                            previousSecretExpiresAt: string | null;
                        };
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    postV1WebhooksIdTest: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description accepted */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["EventAccepted"];
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description conflict */
            409: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    getV1WebhooksIdDeliveries: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                status?: "pending" | "succeeded" | "failed" | "cancelled";
                eventType?: "user.joined" | "user.visited" | "message.posted" | "store.item.purchased" | "webhook.test" | "webhook.disabled" | "webhook.enabled" | "delivery.failed";
                since?: string;
                until?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description a page of deliveries */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["Delivery"][];
                        meta: {
                            nextCursor: string | null;
                        };
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    postV1WebhooksIdReplay: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: date-time */
                    since: string;
                    /** Format: date-time */
                    until?: string;
                };
            };
        };
        responses: {
            /** @description the job, started */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["ReplayJob"];
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description conflict */
            409: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
            /** @description a dependency (Postgres or Temporal) is unreachable; retry */
            503: components["responses"]["Error"];
        };
    };
    getV1ReplayJobsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the job */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["ReplayJob"];
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    getV1Deliveries: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                communityId?: string;
                webhookId?: string;
                status?: "pending" | "succeeded" | "failed" | "cancelled";
                eventType?: "user.joined" | "user.visited" | "message.posted" | "store.item.purchased" | "webhook.test" | "webhook.disabled" | "webhook.enabled" | "delivery.failed";
                since?: string;
                until?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description a page of deliveries */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["Delivery"][];
                        meta: {
                            nextCursor: string | null;
                        };
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    getV1DeliveriesId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the delivery */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["Delivery"];
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    getV1DeliveriesIdAttempts: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description a page of attempts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["Attempt"][];
                        meta: {
                            nextCursor: string | null;
                        };
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
        };
    };
    postV1DeliveriesIdReplay: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description replay started */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["Delivery"];
                    };
                };
            };
            /** @description invalid input; `detail` names each wrong field */
            400: components["responses"]["Error"];
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description conflict */
            409: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
            /** @description a dependency (Postgres or Temporal) is unreachable; retry */
            503: components["responses"]["Error"];
        };
    };
    postV1PurgeRuns: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description the run that is going */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["PurgeRun"];
                    };
                };
            };
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description conflict */
            409: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
            /** @description a dependency (Postgres or Temporal) is unreachable; retry */
            503: components["responses"]["Error"];
        };
    };
    getV1PurgeRunsLatest: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the last run */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "success";
                        data: components["schemas"]["PurgeRun"];
                    };
                };
            };
            /** @description missing or bad credential */
            401: components["responses"]["Error"];
            /** @description not found, or another community’s */
            404: components["responses"]["Error"];
            /** @description conflict */
            409: components["responses"]["Error"];
            /** @description rate limited; see Retry-After */
            429: components["responses"]["Error"];
            /** @description a dependency (Postgres or Temporal) is unreachable; retry */
            503: components["responses"]["Error"];
        };
    };
}
