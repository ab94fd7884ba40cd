import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParseError, parse } from '@hookline/receiver';
import { asXmlReadsBack, FIXTURE, PURCHASE, renderJson, renderXml, thrown, TRICKY } from './support.js';

// docs/events.md's message.posted example, as it is on the wire (one line)
const README_XML =
  '<?xml version="1.0" encoding="UTF-8"?><event><id>evt_AZrTq1LrbPu3d8kWcE2hYA</id><type>message.posted</type>' +
  '<timestamp>2026-11-29T12:00:00.000Z</timestamp><communityId>cmty_AZrTpz8cR4KfWn2vYt6eLA</communityId>' +
  '<data><user><id>usr_42</id><username>ada</username></user><channel><id>ch_general</id><name>general</name></channel>' +
  '<message><id>msg_1</id><text>Hello &lt;world&gt; &amp; friends</text></message>' +
  '<postedAt>2026-11-29T12:00:00.000Z</postedAt></data></event>';

const xml = (plaintext: string | Buffer, xmlArrays?: string[]) => parse({ plaintext, contentType: 'application/xml', ...(xmlArrays ? { xmlArrays } : {}) }).event;

describe('parse', () => {
  it('JSON is parsed as sent', () => {
    assert.deepEqual(parse({ plaintext: renderJson(PURCHASE), contentType: 'application/json' }), { format: 'json', event: PURCHASE });
    assert.deepEqual(parse({ plaintext: Buffer.from(renderJson(PURCHASE)), contentType: 'Application/JSON; charset=utf-8' }).event, PURCHASE);
    assert.deepEqual(parse({ plaintext: FIXTURE.json, contentType: 'application/json' }).event, FIXTURE.envelope);
  });

  it('JSON that is not an event object', () => {
    assert.match(thrown(() => parse({ plaintext: '{', contentType: 'application/json' })).message, /not valid JSON/);
    for (const plaintext of ['[1]', 'null', '"x"']) {
      const error = thrown(() => parse({ plaintext, contentType: 'application/json' }));
      assert.ok(error instanceof ParseError);
      assert.equal(error.code, 'bad_body');
      assert.equal(error.status, 400);
    }
  });

  it('the docs\' XML example', () => {
    assert.deepEqual(parse({ plaintext: README_XML, contentType: 'application/xml' }), {
      format: 'xml',
      event: {
        id: 'evt_AZrTq1LrbPu3d8kWcE2hYA',
        type: 'message.posted',
        timestamp: '2026-11-29T12:00:00.000Z',
        communityId: 'cmty_AZrTpz8cR4KfWn2vYt6eLA',
        data: {
          user: { id: 'usr_42', username: 'ada' },
          channel: { id: 'ch_general', name: 'general' },
          message: { id: 'msg_1', text: 'Hello <world> & friends' },
          postedAt: '2026-11-29T12:00:00.000Z',
        },
      },
    });
  });

  it('XML made by Hookline reads back as its JSON', () => {
    const expected = JSON.parse(FIXTURE.json);
    expected.data.message.text = expected.data.message.text.replace(/\r\n/g, '\n'); // XML's line-end rule
    assert.deepEqual(xml(FIXTURE.xml), expected);
    for (const escape of ['&quot;', '&apos;', '&lt;']) assert.ok(FIXTURE.xml.includes(escape));
  });

  it('every documented XML shape', () => {
    const event = xml(FIXTURE.shapesXml);
    assert.deepEqual(Object.keys(event), ['id', 'type', 'timestamp', 'communityId', 'data']);
    assert.deepEqual(event.data, {
      n: '', // null
      e: '', // ''
      o: '', // {}
      // a: [] is absent: an empty array has no element
      one: 'x', // a one-element array reads back as its item
      two: [{ k: '1' }, { k: '2' }],
      b: 'true',
      f: '1.5',
      big: '1e+21',
      s: ' sp ', // text is never trimmed
      crlf: 'a\nb', // CR LF comes back as LF
      ctl: 'a\ufffdb', // characters XML 1.0 cannot carry arrive as U+FFFD
      q: '"\'<>&',
      zero: '007', // strings that look like numbers stay strings
    });
  });

  it('xmlArrays names the paths that are lists', () => {
    const data = xml(FIXTURE.shapesXml, ['data.one', 'data.two', 'data.a', 'data.two.k']).data as Record<string, unknown>;
    assert.deepEqual(data.one, ['x']);
    assert.deepEqual(data.two, [{ k: ['1'] }, { k: ['2'] }]);
    assert.ok(!('a' in data));
  });

  it('a purchase with escapes, round trip', () => {
    const body = renderXml(PURCHASE);
    assert.ok(body.includes('<name>Golden &lt;badge&gt; &amp; &quot;friends&quot; &apos;quoted&apos; &amp;amp; '));
    const event: any = xml(body);
    assert.deepEqual(xml(body), asXmlReadsBack(PURCHASE));
    assert.equal(event.data.item.name, TRICKY);
    assert.deepEqual(event.data.purchase, { id: 'pur_9', price: '4.5', currency: 'USD', quantity: '2' });
  });

  it('character references, CDATA and whitespace between elements', () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>
    <event>
      <id>&#60;&#x3E;&#38;&#x1F389;</id>
      <type><![CDATA[a <b> & c &lt;]]></type>
      <data><text>  two  spaces  </text><empty/></data>
    </event>
    `;
    assert.deepEqual(parse({ plaintext: body, contentType: 'text/xml' }).event, { id: '<>&🎉', type: 'a <b> & c &lt;', data: { text: '  two  spaces  ', empty: '' } });
  });

  it('XML that is not a Hookline event', () => {
    assert.match(thrown(() => xml('<order><id>1</id></order>')).message, /root element is <order>/);
    assert.match(thrown(() => xml('<event><data>text<id>1</id></data></event>')).message, /<data> mixes text and elements/);
    assert.match(thrown(() => xml('<event><id>1</event>')).message, /not well-formed/);
    assert.match(thrown(() => xml('')).message, /not well-formed/);
    assert.match(thrown(() => xml('<event/><event/>')).message, /more than one root/);
    assert.match(thrown(() => xml('<event/><order/>')).message, /not well-formed|more than one root/);
    assert.match(thrown(() => xml(Buffer.from([0x3c, 0xff]))).message, /not UTF-8/);
    assert.equal(thrown(() => xml('<event><constructor>1</constructor></event>')).code, 'bad_body');
    assert.deepEqual(xml('<event/>'), {});
  });

  it('refuses DTDs and entity declarations', () => {
    const billionLaughs =
      '<?xml version="1.0"?><!DOCTYPE event [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><event><id>&b;</id></event>';
    const external = '<?xml version="1.0"?><!DOCTYPE event [<!ENTITY x SYSTEM "file:///etc/passwd">]><event><id>&x;</id></event>';
    for (const body of [billionLaughs, external, '<!DOCTYPE event><event><id>1</id></event>']) {
      const error = thrown(() => xml(body));
      assert.equal(error.code, 'bad_body');
      assert.match(error.message, /DTD/);
    }
  });

  it('refuses other content types', () => {
    for (const contentType of ['text/plain', '', 'application/x-www-form-urlencoded']) {
      const error = thrown(() => parse({ plaintext: '{}', contentType }));
      assert.equal(error.code, 'unsupported_content_type');
      assert.match(error.message, /expected application\/json or application\/xml/);
    }
  });
});
