/**
 * The floor's activities. `post` makes the same request a Hookline attempt makes: a JSON body of the
 * same size, Standard Webhooks headers with an HMAC-SHA256 signature, over a keep-alive undici
 * pool (or a fresh connection per POST when FLOOR_KEEPALIVE=0, to measure what keep-alive pays).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import { HEADER } from '../../src/wire/headers.js';

export interface PostInput {
  id: string;
  url: string;
}

const key = randomBytes(32);

export function createFloorActivities(options: { keepAlive: boolean }) {
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  return {
    async post(input: PostInput): Promise<number> {
      const now = new Date();
      const body = JSON.stringify({
        id: `evt_${input.id}`,
        type: 'user.joined',
        timestamp: now.toISOString(),
        communityId: 'cmty_bench',
        data: { user: { id: 'usr_1', username: 'ada', displayName: 'Ada Lovelace' }, joinedAt: now.toISOString() },
      });
      const timestamp = String(Math.floor(now.getTime() / 1000));
      const signature = createHmac('sha256', key).update(`${input.id}.${timestamp}.${body}`).digest('base64');
      const response = await request(input.url, {
        method: 'POST',
        dispatcher: agent,
        reset: !options.keepAlive,
        headers: {
          [HEADER.contentType]: 'application/json',
          [HEADER.userAgent]: 'Hookline-floor/1',
          [HEADER.webhookId]: input.id,
          [HEADER.webhookTimestamp]: timestamp,
          [HEADER.webhookSignature]: `v1,${signature}`,
          [HEADER.eventType]: 'user.joined',
          [HEADER.attempt]: '1',
        },
        body,
      });
      await response.body.text();
      return response.statusCode;
    },
    async load(input: PostInput): Promise<string> {
      return input.id;
    },
  };
}

export type FloorActivities = ReturnType<typeof createFloorActivities>;
