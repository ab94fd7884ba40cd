import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigurationError, DecryptionError, EVENT_TYPES, isKnownEventType, ParseError, receive, ReceiverError, VerificationError } from '@hookline/receiver';
import type { Delivery, HooklineEvent } from '@hookline/receiver';
import { asXmlReadsBack, KEY, makeDelivery, OTHER_KEY, OTHER_SECRET, PURCHASE, SECRET, thrown } from './support.js';

describe('receive', () => {
  for (const format of ['json', 'xml'] as const) {
    for (const algorithm of [undefined, 'aes-256-gcm', 'aes-256-cbc'] as const) {
      it(`${format}, encryption ${algorithm ?? 'none'}: verified, decrypted and parsed`, () => {
        const { body, headers } = makeDelivery(PURCHASE, format, algorithm, { msgId: 'dlv_abc', attempt: 3 });
        const delivery = receive({ body, headers, secret: SECRET, encryptionKey: algorithm ? KEY : undefined });
        assert.deepEqual(delivery, {
          deliveryId: 'dlv_abc',
          attempt: 3,
          eventType: 'store.item.purchased',
          signedAt: new Date(Number(headers['webhook-timestamp']) * 1000),
          secretIndex: 0,
          encryption: algorithm ?? null,
          format,
          event: format === 'json' ? PURCHASE : asXmlReadsBack(PURCHASE),
        });
        // a key is ignored for an unencrypted delivery; bytes work as well as text
        assert.deepEqual(receive({ body: Buffer.from(body), headers, secret: SECRET, encryptionKey: KEY }), delivery);
      });
    }
  }

  it('types the event by its type, for JSON and XML', () => {
    const { body, headers } = makeDelivery(PURCHASE, 'json');
    const delivery: Delivery = receive({ body, headers, secret: SECRET });
    let quantity: number | string = -1;
    if (delivery.format === 'json' && delivery.event.type === 'store.item.purchased') quantity = delivery.event.data.purchase.quantity;
    assert.equal(quantity, 2);
    const xml = makeDelivery(PURCHASE, 'xml');
    const fromXml = receive({ body: xml.body, headers: xml.headers, secret: SECRET });
    if (fromXml.format === 'xml' && fromXml.event.type === 'store.item.purchased') quantity = fromXml.event.data.purchase.quantity;
    assert.equal(quantity, '2');
  });

  it('verifies before anything else: an altered ciphertext is refused as unsigned', () => {
    const { body, headers } = makeDelivery(PURCHASE, 'json', 'aes-256-gcm');
    const raw = Buffer.from(body, 'base64');
    raw[20]! ^= 1;
    const altered = thrown(() => receive({ body: raw.toString('base64'), headers, secret: SECRET, encryptionKey: KEY }));
    assert.ok(altered instanceof VerificationError);
    assert.equal(altered.status, 401);
    assert.ok(thrown(() => receive({ body, headers, secret: OTHER_SECRET, encryptionKey: KEY })) instanceof VerificationError);
    // without the key, a forged request still gets a 401, not a hint about the key
    assert.ok(thrown(() => receive({ body: raw.toString('base64'), headers, secret: SECRET })) instanceof VerificationError);
  });

  it('signed but unreadable deliveries', () => {
    const encrypted = makeDelivery(PURCHASE, 'json', 'aes-256-gcm');
    assert.ok(thrown(() => receive({ ...encrypted, secret: SECRET, encryptionKey: OTHER_KEY })) instanceof DecryptionError);
    const noKey = thrown(() => receive({ ...encrypted, secret: SECRET }));
    assert.ok(noKey instanceof ConfigurationError);
    assert.equal(noKey.code, 'missing_key');
    const plain = makeDelivery(PURCHASE, 'json');
    const wrongType = thrown(() => receive({ body: plain.body, headers: { ...plain.headers, 'content-type': 'text/plain' }, secret: SECRET }));
    assert.ok(wrongType instanceof ParseError && wrongType instanceof ReceiverError);
    const notAnEvent = makeDelivery({ type: 'x' }, 'json');
    assert.match(thrown(() => receive({ ...notAnEvent, secret: SECRET })).message, /not a Hookline event: id is missing/);
  });

  it('attempt and event type', () => {
    const { body, headers } = makeDelivery(PURCHASE, 'json');
    const { 'x-hookline-attempt': _, ...withoutAttempt } = headers;
    assert.equal(receive({ body, headers: withoutAttempt, secret: SECRET }).attempt, null);
    assert.equal(receive({ body, headers: { ...headers, 'x-hookline-attempt': '²' }, secret: SECRET }).attempt, null);
    // the type comes from the signed body, not the unsigned header
    assert.equal(receive({ body, headers: { ...headers, 'x-hookline-event-type': 'user.joined' }, secret: SECRET }).eventType, 'store.item.purchased');
  });

  it('xmlArrays passes through', () => {
    const event = { ...PURCHASE, type: 'custom', data: { tags: ['only'] } };
    const { body, headers } = makeDelivery(event, 'xml');
    assert.deepEqual(receive({ body, headers, secret: SECRET }).event.data, { tags: 'only' });
    assert.deepEqual(receive({ body, headers, secret: SECRET, xmlArrays: ['data.tags'] }).event.data, { tags: ['only'] });
  });

  it('two secrets while rolling a new one out', () => {
    const byOld = makeDelivery(PURCHASE, 'json', undefined, { secret: SECRET });
    const byNew = makeDelivery(PURCHASE, 'json', undefined, { secret: OTHER_SECRET });
    assert.equal(receive({ ...byOld, secrets: [OTHER_SECRET, SECRET] }).secretIndex, 1);
    assert.equal(receive({ ...byNew, secrets: [OTHER_SECRET, SECRET] }).secretIndex, 0);
  });

  it('knows the catalog types', () => {
    assert.ok(EVENT_TYPES.includes('delivery.failed'));
    assert.ok(isKnownEventType('webhook.disabled'));
    assert.ok(!isKnownEventType('channel.message.posted')); // a subscription: delivered as message.posted
    const sample: HooklineEvent = { id: 'evt_1', type: 'webhook.disabled', timestamp: 't', communityId: 'c', data: { webhook: { id: 'wh_1', url: 'u' }, reason: 'gone', disabledAt: 't' } };
    assert.equal(sample.data.reason, 'gone');
  });
});
