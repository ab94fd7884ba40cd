import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes.js';

/**
 * Typed search attributes (docs/temporal.md#search-attributes), all Keyword, so the Temporal UI finds deliveries with
 * `HooklineWebhookId="wh_.." AND HooklineDeliveryStatus="failed"`. Values are ids and statuses only:
 * search attributes are stored unencrypted.
 */
export const COMMUNITY_ID: SearchAttributeKey<'KEYWORD'> = { name: 'HooklineCommunityId', type: 'KEYWORD' };
export const WEBHOOK_ID: SearchAttributeKey<'KEYWORD'> = { name: 'HooklineWebhookId', type: 'KEYWORD' };
export const EVENT_TYPE: SearchAttributeKey<'KEYWORD'> = { name: 'HooklineEventType', type: 'KEYWORD' };
export const DELIVERY_STATUS: SearchAttributeKey<'KEYWORD'> = { name: 'HooklineDeliveryStatus', type: 'KEYWORD' };

export const HOOKLINE_SEARCH_ATTRIBUTES = [COMMUNITY_ID, WEBHOOK_ID, EVENT_TYPE, DELIVERY_STATUS] as const;
