import { describe, it, expect } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { renderBody, WireRenderError, type EventEnvelope } from '../../src/wire/render.js';

const DECL = '<?xml version="1.0" encoding="UTF-8"?>';

function envelope(data: unknown): EventEnvelope {
  return { id: 'evt_1', type: 'user.joined', timestamp: '2026-01-02T03:04:05.000Z', communityId: 'cmty_1', data };
}

function xml(data: unknown): string {
  return renderBody(envelope(data), 'xml').body;
}

// The part of the document after the fixed envelope fields.
function dataXml(data: unknown): string {
  const body = xml(data);
  return body.slice(body.indexOf('</communityId>') + '</communityId>'.length, -'</event>'.length);
}

// The configuration documented in render.ts as the one that returns the JSON strings exactly.
const parser = new XMLParser({ parseTagValue: false, trimValues: false });

describe('renderBody json', () => {
  it('is JSON.stringify of exactly id, type, timestamp, communityId, data in that order', () => {
    const shuffled = {
      data: { userId: 'u_1', n: 2 },
      communityId: 'cmty_1',
      extra: 'must not leak',
      timestamp: '2026-01-02T03:04:05.000Z',
      type: 'user.joined',
      id: 'evt_1',
    };
    const out = renderBody(shuffled, 'json');
    expect(out.contentType).toBe('application/json');
    expect(out.body).toBe(
      '{"id":"evt_1","type":"user.joined","timestamp":"2026-01-02T03:04:05.000Z","communityId":"cmty_1","data":{"userId":"u_1","n":2}}',
    );
  });

  it('keeps unicode as is', () => {
    expect(renderBody(envelope({ name: '😀 中文' }), 'json').body).toContain('"name":"😀 中文"');
  });
});

describe('renderBody xml', () => {
  it('has the declaration, the <event> root and the envelope fields in order', () => {
    const out = renderBody(envelope({ userId: 'u_1' }), 'xml');
    expect(out.contentType).toBe('application/xml');
    expect(out.body).toBe(
      DECL +
        '<event><id>evt_1</id><type>user.joined</type><timestamp>2026-01-02T03:04:05.000Z</timestamp>' +
        '<communityId>cmty_1</communityId><data><userId>u_1</userId></data></event>',
    );
  });

  it('nests objects as elements', () => {
    expect(dataXml({ user: { id: 'u_1', profile: { name: 'Ann' } } })).toBe(
      '<data><user><id>u_1</id><profile><name>Ann</name></profile></user></data>',
    );
  });

  it('repeats an element per array item: 0, 1 and 2 items, and arrays of objects', () => {
    expect(dataXml({ tags: [], k: 1 })).toBe('<data><k>1</k></data>');
    expect(dataXml({ tags: ['a'] })).toBe('<data><tags>a</tags></data>');
    expect(dataXml({ tags: ['a', 'b'] })).toBe('<data><tags>a</tags><tags>b</tags></data>');
    expect(dataXml({ items: [{ n: 1 }, { n: 2 }] })).toBe('<data><items><n>1</n></items><items><n>2</n></items></data>');
  });

  it('renders null as an empty element, numbers and booleans as text', () => {
    expect(dataXml({ a: null, b: 0, c: -1.5, d: 1e21, e: true, f: false })).toBe(
      '<data><a/><b>0</b><c>-1.5</c><d>1e+21</d><e>true</e><f>false</f></data>',
    );
  });

  it('renders a scalar or null data', () => {
    expect(dataXml('x')).toBe('<data>x</data>');
    expect(dataXml(null)).toBe('<data/>');
  });

  it('escapes text', () => {
    expect(dataXml({ s: `a<b>&"c'` })).toBe('<data><s>a&lt;b&gt;&amp;&quot;c&apos;</s></data>');
  });

  it('keeps unicode (emoji, CJK) as is', () => {
    expect(dataXml({ s: '😀 中文 é' })).toBe('<data><s>😀 中文 é</s></data>');
  });

  it('carries what the JSON body carries: undefined dropped, Dates as ISO strings', () => {
    expect(dataXml({ gone: undefined, at: new Date('2026-01-02T03:04:05.000Z') })).toBe(
      '<data><at>2026-01-02T03:04:05.000Z</at></data>',
    );
  });

  it('replaces characters XML 1.0 cannot carry with U+FFFD', () => {
    expect(dataXml({ s: 'a\u0007b\uD800c\tok' })).toBe('<data><s>a\uFFFDb\uFFFDc\tok</s></data>');
  });

  it('rejects keys that are not usable XML names, naming the path', () => {
    for (const key of ['has space', '1st', 'a<b', 'ns:x', '', '#text', '?xml', '@_a', 'constructor', 'toString']) {
      expect(() => xml({ ok: { [key]: 1 } }), key).toThrow(WireRenderError);
    }
    expect(() => xml({ ok: { 'bad key': 1 } })).toThrow(/event\.data\.ok: key "bad key"/);
    expect(() => xml(JSON.parse('{"__proto__":{"x":1}}'))).toThrow(WireRenderError);
  });

  it('rejects nested arrays', () => {
    expect(() => xml({ m: [[1, 2], [3]] })).toThrow(/event\.data\.m\[0\]: nested arrays/);
  });

  it('does not affect the JSON rendering of the same data', () => {
    expect(renderBody(envelope({ 'bad key': [[1]] }), 'json').body).toContain('"data":{"bad key":[[1]]}');
  });

  it('parses back with fast-xml-parser to the same fields', () => {
    const data = {
      userId: 'u_007',
      name: '  Ann <&> "quoted" \'single\' 😀 中文  ',
      count: 3,
      ratio: 0.25,
      admin: true,
      banned: false,
      note: null,
      tags: ['a', 'b'],
      roles: ['member'],
      items: [{ sku: 'x1', qty: 2 }, { sku: 'x2', qty: 1 }],
      nested: { deep: { leaf: 'v' } },
    };
    const parsed = parser.parse(xml(data));
    expect(parsed.event).toEqual({
      id: 'evt_1',
      type: 'user.joined',
      timestamp: '2026-01-02T03:04:05.000Z',
      communityId: 'cmty_1',
      data: {
        userId: 'u_007',
        name: data.name,
        // With parseTagValue: false every leaf is a string: numbers and booleans as their JSON text.
        count: '3',
        ratio: '0.25',
        admin: 'true',
        banned: 'false',
        // null comes back as an empty string.
        note: '',
        tags: ['a', 'b'],
        // A one-element array is indistinguishable from a scalar without the parser's isArray option.
        roles: 'member',
        items: [{ sku: 'x1', qty: '2' }, { sku: 'x2', qty: '1' }],
        nested: { deep: { leaf: 'v' } },
      },
    });
  });

  it('parses back with isArray to keep one-element arrays as arrays', () => {
    const arrayParser = new XMLParser({
      parseTagValue: false,
      trimValues: false,
      isArray: (_name, jPath) => jPath === 'event.data.roles',
    });
    expect(arrayParser.parse(xml({ roles: ['member'] })).event.data).toEqual({ roles: ['member'] });
  });

  it('with the default parser options numbers and booleans come back typed (and text trimmed)', () => {
    const parsed = new XMLParser().parse(xml({ count: 3, admin: true, padded: ' x ' }));
    expect(parsed.event.data).toEqual({ count: 3, admin: true, padded: 'x' });
  });
});
