/**
 * Writes hookline-wire.json for both receiver kits (receivers/python/tests/fixtures/ and
 * packages/receiver/test/fixtures/): bodies and signatures made by Hookline's own wire code with
 * fixed IVs, so each kit's unit tests check it against the exact bytes Hookline sends (the
 * integration tests, receiver-kit-python and receiver-kit-js, check live deliveries).
 * test/unit/receiver-kit-fixture.test.ts fails when a copy is stale.
 * Run after a change to the wire format: npx tsx scripts/receiver-kit-fixture.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { signatureHeader } from '../src/signing/index.js';
import { encryptBody } from '../src/wire/encrypt.js';
import { type EventEnvelope, renderBody } from '../src/wire/render.js';

const envelope: EventEnvelope = {
  id: 'evt_AZrTq1LrbPu3d8kWcE2hYA',
  type: 'message.posted',
  timestamp: '2026-11-29T12:00:00.000Z',
  communityId: 'cmty_AZrTpz8cR4KfWn2vYt6eLA',
  data: {
    user: { id: 'usr_42', username: 'ada' },
    channel: { id: 'ch_general', name: 'général' },
    message: { id: 'msg_1', text: 'Hello <world> & "friends" \'quoted\' 🎉\r\nbye' },
    postedAt: '2026-11-29T12:00:00.000Z',
  },
};
// every shape the XML rules name: null, '', {}, [], one- and two-element arrays, booleans, numbers, edge text
const shapesEnvelope: EventEnvelope = {
  id: 'evt_1',
  type: 'x',
  timestamp: 't',
  communityId: 'c',
  data: {
    n: null, e: '', o: {}, a: [], one: ['x'], two: [{ k: 1 }, { k: 2 }], b: true, f: 1.5, big: 1e21,
    s: ' sp ', crlf: 'a\r\nb', ctl: 'a\u0001b', q: `"'<>&`, zero: '007',
  },
};
const key = '0123456789abcdef0123456789abcdef';
const secrets = ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', `whsec_${Buffer.alloc(24, 1).toString('base64')}`];
const deliveryId = 'dlv_AZrTq1Jg4uV0bq1nXk3sMQ';
const timestamp = 1795953603;
const signedAt = new Date(timestamp * 1000);

const xml = renderBody(envelope, 'xml').body;
const json = renderBody(envelope, 'json').body;
const gcmXml = encryptBody(xml, 'aes-256-gcm', key, Buffer.alloc(12, 7));
const cbcJson = encryptBody(json, 'aes-256-cbc', key, Buffer.alloc(16, 9));

const fixture = {
  about: 'Made by scripts/receiver-kit-fixture.ts with Hookline\'s own renderBody, encryptBody (fixed IVs) and signatureHeader.',
  envelope,
  xml,
  json,
  shapesEnvelope,
  shapesXml: renderBody(shapesEnvelope, 'xml').body,
  key,
  gcmXml,
  cbcJson,
  secrets,
  deliveryId,
  timestamp,
  // during a rotation: one signature per live secret, space-separated
  signatureOfJson: signatureHeader(secrets, deliveryId, signedAt, json),
  signatureOfGcmXml: signatureHeader(secrets.slice(0, 1), deliveryId, signedAt, gcmXml),
};
/** The fixture file's text, and where each kit keeps a copy. */
export const KIT_FIXTURE_TEXT = `${JSON.stringify(fixture, null, 2)}\n`;
export const KIT_FIXTURE_FILES = ['receivers/python/tests/fixtures/hookline-wire.json', 'packages/receiver/test/fixtures/hookline-wire.json'];

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of KIT_FIXTURE_FILES) {
    const out = new URL(`../${file}`, import.meta.url);
    writeFileSync(out, KIT_FIXTURE_TEXT);
    console.log(`wrote ${out.pathname}`);
  }
}
