import { createDecipheriv, randomBytes } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';
import { HEADER } from '../../src/wire/headers.js';

/**
 * What a receiver gets on the wire (docs/wire-format.md), checked from the receiver's side only: the
 * `standardwebhooks` package verifies, a decipher written here from docs/wire-format.md#body-layout (not Hookline's own
 * helper) decrypts, and JSON.parse or fast-xml-parser reads the event back.
 */
let hookline: Hookline;
let receiver: TestReceiver;

beforeAll(async () => {
  hookline = await startHookline();
  receiver = await TestReceiver.start();
  // a receiver path ending in /flaky-once fails its first POST, so every delivery there has two attempts
  const failedOnce = new Set<string>();
  receiver.responder = (arrival) => {
    if (arrival.path.endsWith('/flaky-once') && !failedOnce.has(arrival.path)) {
      failedOnce.add(arrival.path);
      return { status: 500, body: 'try again' };
    }
    return { status: 200, body: 'ok' };
  };
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

const randomKey = () => randomBytes(24).toString('base64').slice(0, 32);

/** docs/wire-format.md#body-layout, by hand: key = the 32 characters as UTF-8; body = base64(IV ‖ ciphertext [‖ 16-byte tag]). */
function decipherPerSpec(body: string, algorithm: string, key: string): { plaintext: string; iv: Buffer } {
  expect(body).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
  const raw = Buffer.from(body, 'base64');
  const keyBytes = Buffer.from(key, 'utf8');
  expect(keyBytes).toHaveLength(32);
  if (algorithm === 'aes-256-gcm') {
    const iv = raw.subarray(0, 12);
    const tag = raw.subarray(raw.length - 16);
    const decipher = createDecipheriv('aes-256-gcm', keyBytes, iv, { authTagLength: 16 });
    decipher.setAuthTag(tag);
    const plaintext = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
    // GCM adds no padding: the layout leaves exactly the plaintext's length between IV and tag
    expect(raw.length).toBe(12 + Buffer.byteLength(plaintext) + 16);
    return { plaintext, iv };
  }
  expect(algorithm).toBe('aes-256-cbc');
  const iv = raw.subarray(0, 16);
  const ciphertext = raw.subarray(16);
  // node's default autoPadding strips PKCS#7 padding and throws if it is not well formed
  const decipher = createDecipheriv('aes-256-cbc', keyBytes, iv);
  const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  expect(ciphertext.length).toBe((Math.floor(Buffer.byteLength(plaintext) / 16) + 1) * 16);
  return { plaintext, iv };
}

const xmlParser = new XMLParser({ ignoreDeclaration: true });

function parseBack(plaintext: string, format: 'json' | 'xml'): unknown {
  if (format === 'json') return JSON.parse(plaintext);
  expect(plaintext.startsWith('<?xml version="1.0" encoding="UTF-8"?><event><id>')).toBe(true);
  expect(plaintext.endsWith('</data></event>')).toBe(true);
  const parsed = xmlParser.parse(plaintext) as Record<string, unknown>;
  expect(Object.keys(parsed)).toEqual(['event']);
  return parsed.event;
}

// Text a renderer could get wrong: markup characters, quotes, entities, and non-ASCII in 1–4 UTF-8 bytes.
const TRICKY = 'Golden <badge> & "friends" \'quoted\' &amp; ünïcødé 日本語 🎉';

const purchase = (tag: string) => ({
  type: 'store.item.purchased',
  data: {
    purchase: { id: `pur_${tag}`, quantity: 3, price: 19.99, currency: 'EUR' },
    item: { id: 'itm_7', name: TRICKY, category: 'badges' },
    user: { id: 'usr_9', username: 'grace', email: 'grace@example.com' },
    purchasedAt: '2026-11-29T12:34:56.789Z',
  },
});

async function finalDelivery(deliveryId: string, token: string, status = 'succeeded') {
  return eventually(async () => {
    const read = await hookline.call('GET', `/v1/deliveries/${deliveryId}`, undefined, token);
    return read.body.data.status === status ? read.body.data : undefined;
  });
}

const arrivalsAt = (path: string) => receiver.arrivals.filter((a) => a.path === path);

type Encryption = 'none' | 'aes-256-gcm' | 'aes-256-cbc';
const CASES: Array<{ format: 'json' | 'xml'; encryption: Encryption }> = (['json', 'xml'] as const).flatMap((format) =>
  (['none', 'aes-256-gcm', 'aes-256-cbc'] as const).map((encryption) => ({ format, encryption })),
);

describe('every format × encryption setting, verified, decrypted and parsed back by a receiver', () => {
  it.each(CASES)('$format body, encryption $encryption', async ({ format, encryption }) => {
    const community = await hookline.newCommunity(`${format}-${encryption}`);
    const key = randomKey();
    const path = `/${format}-${encryption}/flaky-once`;
    const created = await hookline.call(
      'POST',
      '/v1/webhooks',
      {
        url: receiver.url.replace('/hook', path),
        events: ['store.item.purchased'],
        format,
        ...(encryption === 'none' ? {} : { encryption: { enabled: true, algorithm: encryption, key } }),
      },
      community.key,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { secret } = created.body.data as { secret: string };
    expect(created.body.data).toMatchObject({
      format,
      encryption: encryption === 'none' ? { enabled: false, algorithm: null } : { enabled: true, algorithm: encryption },
    });

    const emitted = await hookline.call('POST', '/v1/events', purchase(`${format}-${encryption}`), community.key);
    expect(emitted.status).toBe(202);
    const event = emitted.body.data.event;
    const [delivery] = emitted.body.data.deliveries;
    const expected = {
      id: event.id,
      type: 'store.item.purchased',
      timestamp: event.occurredAt,
      communityId: community.communityId,
      data: purchase(`${format}-${encryption}`).data,
    };

    const delivered = await finalDelivery(delivery.id, community.key);
    const arrivals = arrivalsAt(path);
    expect(arrivals).toHaveLength(2);
    const plaintexts: string[] = [];
    const ivs: string[] = [];
    for (const [index, arrival] of arrivals.entries()) {
      // the signature covers the bytes as sent: for encrypted webhooks, the base64 ciphertext
      expect(() => new Webhook(secret).verify(arrival.body, arrival.headers, { jsonParse: false })).not.toThrow();
      expect(arrival.headers[HEADER.webhookId]).toBe(delivery.id);
      expect(arrival.headers[HEADER.attempt]).toBe(String(index + 1));
      expect(arrival.headers[HEADER.eventType]).toBe('store.item.purchased');
      expect(arrival.headers[HEADER.userAgent]).toMatch(/^Hookline\//);
      const plainType = format === 'json' ? 'application/json' : 'application/xml';
      if (encryption === 'none') {
        expect(arrival.headers['content-type']).toBe(plainType);
        expect(arrival.headers[HEADER.encrypted]).toBeUndefined();
        plaintexts.push(arrival.body);
      } else {
        expect(arrival.headers['content-type']).toBe('text/plain');
        expect(arrival.headers[HEADER.encrypted]).toBe('true');
        expect(arrival.headers[HEADER.encryptionAlgorithm]).toBe(encryption);
        expect(arrival.headers[HEADER.plaintextContentType]).toBe(plainType);
        expect(arrival.body).not.toContain('grace');
        const { plaintext, iv } = decipherPerSpec(arrival.body, encryption, key);
        plaintexts.push(plaintext);
        ivs.push(iv.toString('hex'));
      }
    }
    // each attempt is encrypted afresh: same plaintext, new IV, so different bytes on the wire
    expect(plaintexts[1]).toBe(plaintexts[0]);
    if (encryption !== 'none') {
      expect(new Set(ivs).size).toBe(2);
      expect(arrivals[1]!.body).not.toBe(arrivals[0]!.body);
    }
    expect(parseBack(plaintexts[0]!, format)).toEqual(expected);
    if (format === 'xml') {
      // escaped as text, not smuggled in as markup or CDATA
      expect(plaintexts[0]).toContain('<name>Golden &lt;badge&gt; &amp; ');
      expect(plaintexts[0]).not.toContain('CDATA');
    }

    // the attempt rows hold what was sent, without the signing secret or the encryption key
    // newest first
    expect(delivered.attempts.map((a: { response: { status: number } }) => a.response.status)).toEqual([200, 500]);
    for (const attempt of delivered.attempts) {
      const recorded = JSON.stringify(attempt.request);
      expect(recorded).not.toContain(secret.slice('whsec_'.length));
      expect(recorded).not.toContain(key);
    }
    expect(delivered.attempts[0].request.headers[HEADER.webhookSignature]).toBe(arrivals[1]!.headers[HEADER.webhookSignature]);
    if (encryption !== 'none') expect(delivered.attempts[0].request.headers[HEADER.encryptionAlgorithm]).toBe(encryption);

    // the workflow carries ids only: no secret, key, payload or ciphertext in its history
    // the attempts' results (local-activity markers) are in the history once the workflow has closed
    const workflow = hookline.temporal.workflow.getHandle(`delivery-${delivery.id}`);
    expect(await workflow.result()).toBe('succeeded');
    const history = JSON.stringify((await workflow.fetchHistory()).events);
    expect(history).toContain(delivery.id);
    for (const needle of [secret.slice('whsec_'.length), key, 'grace@example.com', 'Golden', arrivals[0]!.body.slice(0, 40)]) {
      expect(history).not.toContain(needle);
    }
  });
});

const EVENTS: Array<{ type: string; data: Record<string, unknown> }> = [
  {
    type: 'user.joined',
    data: {
      user: { id: 'usr_1', username: 'ada', displayName: 'Ada Lovelace', email: 'ada@example.com', avatar: 'https://cdn.example.com/a.png?s=64&r=g' },
      joinedAt: '2026-11-29T12:00:00.000Z',
    },
  },
  { type: 'user.visited', data: { user: { id: 'usr_2', username: 'linus' }, visitedAt: '2026-11-29T12:01:00.000Z' } },
  {
    type: 'message.posted',
    data: {
      message: { id: 'msg_1', text: `line one\nline two — ${TRICKY}` },
      user: { id: 'usr_1', username: 'ada' },
      channel: { id: 'ch_general', name: 'général' },
      postedAt: '2026-11-29T12:02:00.000Z',
    },
  },
  purchase('all-types'),
];

describe('every catalog type', () => {
  it.each(['json', 'xml'] as const)('arrives as %s and parses back field for field', async (format) => {
    const community = await hookline.newCommunity(`all types ${format}`);
    const path = `/all-types-${format}`;
    const created = await hookline.call(
      'POST',
      '/v1/webhooks',
      { url: receiver.url.replace('/hook', path), format, events: ['user.joined', 'user.visited', 'message.posted', 'store.item.purchased'] },
      community.key,
    );
    const { id: webhookId, secret } = created.body.data as { id: string; secret: string };
    const expected = new Map<string, unknown>();
    for (const event of EVENTS) {
      const emitted = await hookline.call('POST', '/v1/events', event, community.key);
      expect(emitted.status, JSON.stringify(emitted.body)).toBe(202);
      const { id, occurredAt } = emitted.body.data.event;
      expected.set(emitted.body.data.deliveries[0].id, { id, type: event.type, timestamp: occurredAt, communityId: community.communityId, data: event.data });
    }
    const test = await hookline.call('POST', `/v1/webhooks/${webhookId}/test`, undefined, community.key);
    expect(test.status).toBe(202);
    expected.set(test.body.data.deliveries[0].id, {
      id: test.body.data.event.id,
      type: 'webhook.test',
      timestamp: test.body.data.event.occurredAt,
      communityId: community.communityId,
      data: { message: expect.any(String) },
    });

    const arrivals = await eventually(async () => (arrivalsAt(path).length >= expected.size ? arrivalsAt(path) : undefined));
    expect(arrivals).toHaveLength(expected.size);
    const seen = new Set<string>();
    for (const arrival of arrivals) {
      expect(() => new Webhook(secret).verify(arrival.body, arrival.headers, { jsonParse: false })).not.toThrow();
      const deliveryId = arrival.headers[HEADER.webhookId]!;
      seen.add(deliveryId);
      const back = parseBack(arrival.body, format) as { type: string };
      expect(back).toEqual(expected.get(deliveryId));
      expect(arrival.headers[HEADER.eventType]).toBe(back.type);
    }
    expect(seen).toEqual(new Set(expected.keys()));
  });
});
