import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { XMLParser } from 'fast-xml-parser';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/catalog/event-types.js';
import { encryptBody } from '../../src/wire/encrypt.js';
import { renderBody } from '../../src/wire/render.js';
import { HEADER } from '../../src/wire/headers.js';

/**
 * The wire examples of the README and docs/ are documentation people copy: these checks fail when
 * the code and the docs drift apart (a renamed field, a changed XML shape, an edited example
 * receiver, a snippet that no longer decrypts).
 */
const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

/** The text of one section (`## title` or `### title`) of a Markdown file, up to the next heading of its level. */
function section(file: string, title: string, level = '##'): string {
  const text = read(file);
  const start = text.indexOf(`\n${level} ${title}\n`);
  expect(start, `${file} has a "${level} ${title}" section`).toBeGreaterThan(-1);
  const end = text.indexOf(`\n${level} `, start + 1);
  return text.slice(start, end === -1 ? undefined : end);
}

function codeBlocks(text: string, language: string): string[] {
  return [...text.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

describe('docs/events.md', () => {
  const catalog = read('docs/events.md');
  const json = codeBlocks(catalog, 'json').map((b) => JSON.parse(b) as { type: string; data: unknown });
  const xml = codeBlocks(catalog, 'xml').map((b) => b.replace(/\n/g, ''));

  it('has a JSON and an XML example for every type a webhook can receive', () => {
    const delivered = EVENT_TYPES.filter((t) => t.example !== undefined).map((t) => t.type);
    expect(json.map((e) => e.type)).toEqual(delivered);
    expect(xml).toHaveLength(delivered.length);
  });

  it('shows the catalog\'s published examples, and exactly the XML Hookline renders for them', () => {
    for (const [i, example] of json.entries()) {
      const definition = EVENT_TYPES.find((t) => t.type === example.type)!;
      expect(example.data).toEqual(definition.example);
      expect(definition.data!.safeParse(example.data).success).toBe(true);
      expect(Object.keys(example)).toEqual(['id', 'type', 'timestamp', 'communityId', 'data']);
      // rendered from the README's own JSON, so the key order shown must be the order sent
      expect(xml[i]).toBe(renderBody(example as Parameters<typeof renderBody>[0], 'xml').body);
      expect(new XMLParser({ ignoreDeclaration: true }).parse(xml[i]!).event).toEqual(example);
    }
  });
});

describe('docs/wire-format.md', () => {
  it('the example request verifies with the secret it names', () => {
    const wire = section('docs/wire-format.md', 'Example');
    const [request] = codeBlocks(wire, 'http');
    const [head, body] = request!.split('\n\n');
    const headers = Object.fromEntries(head!.split('\n').slice(1).map((line) => line.split(': ') as [string, string]));
    const secret = /verifies with the secret `(whsec_[^`]+)`/.exec(wire)?.[1];
    expect(secret).toBeDefined();
    // the example is from the past: check the signature itself, not the freshness of its timestamp
    const signed = new Webhook(secret!).sign(headers[HEADER.webhookId]!, new Date(Number(headers[HEADER.webhookTimestamp]) * 1000), body!.trimEnd());
    expect(headers[HEADER.webhookSignature]).toBe(signed);
    expect(JSON.parse(body!)).toMatchObject({ type: headers[HEADER.eventType] });
  });

  it('the decrypt snippet decrypts what Hookline encrypts, for both algorithms', () => {
    const [snippet] = codeBlocks(section('docs/wire-format.md', 'Decrypting', '###'), 'js');
    const decrypt = new Function('require', `${snippet}\nreturn decrypt;`)(createRequire(import.meta.url)) as (
      body: string,
      algorithm: string,
      key: string,
    ) => string;
    const key = 'abcdefghijklmnopqrstuvwxyz012345';
    const plaintext = '{"id":"evt_1","data":{"text":"ünïcødé 🎉 <&>"}}';
    for (const algorithm of ['aes-256-gcm', 'aes-256-cbc'] as const) {
      expect(decrypt(encryptBody(plaintext, algorithm, key), algorithm, key)).toBe(plaintext);
    }
  });
});

describe('README: Receiving webhooks', () => {
  it('shows the JavaScript kit\'s node:http example as the kit\'s own README has it', () => {
    const [example] = codeBlocks(section('README.md', 'Receiving webhooks'), 'js');
    expect(example).toContain("from '@hookline/receiver'");
    expect(codeBlocks(read('packages/receiver/README.md'), 'js')).toContain(example);
  });
});
