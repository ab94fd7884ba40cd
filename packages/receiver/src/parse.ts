/**
 * Step 3: the plaintext, JSON or XML, into the event envelope
 * `{id, type, timestamp, communityId, data}`.
 */
import { type EntityDecoderOptions, XMLParser, XMLValidator } from 'fast-xml-parser';
import { bodyText, checkBody, type RawBody } from './body.js';
import { ParseError } from './errors.js';

export type WireFormat = 'json' | 'xml';

export interface ParseInput {
  /** The plaintext body: what `decrypt` returns, or the raw body of an unencrypted delivery. */
  plaintext: RawBody;
  /** `application/json` or `application/xml` (parameters such as `; charset=utf-8` are fine). */
  contentType: string;
  /**
   * XML only: dotted paths from the event (e.g. `"data.tags"`) that are arrays. XML cannot tell a
   * one-element array from a single value, so these come back as arrays whenever present.
   */
  xmlArrays?: Iterable<string>;
}

export interface Parsed {
  format: WireFormat;
  /** The event envelope; for XML every leaf is a string (see the README's XML section). */
  event: Record<string, unknown>;
}

/**
 * XML's own references, in one pass (so `&amp;lt;` is `&lt;`, not `<`): the five named entities
 * and character references (`&#60;`, `&#x1F389;`). Nothing else: Hookline's XML has no DTD, so
 * no other entity can be defined.
 */
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const REFERENCE = /&(?:#([0-9]{1,7})|#x([0-9a-fA-F]{1,6})|(lt|gt|amp|quot|apos));/g;
const xmlReferences: EntityDecoderOptions = {
  decode: (text) =>
    text.includes('&')
      ? text.replace(REFERENCE, (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
          if (name) return NAMED[name]!;
          const code = dec ? Number.parseInt(dec, 10) : Number.parseInt(hex!, 16);
          return code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : whole;
        })
      : text,
  setExternalEntities: () => {},
  addInputEntities: () => {},
  reset: () => {},
  setXmlVersion: () => {},
};

// parseTagValue: false keeps every leaf a string ("007" stays "007"); trimValues: false keeps text
// exactly as sent.
const xmlParser = new XMLParser({
  ignoreDeclaration: true,
  ignorePiTags: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  entityDecoder: xmlReferences,
});

const TEXT = '#text';

/** The event in a JSON or XML plaintext. Throws a `ParseError`. */
export function parse(input: ParseInput): Parsed {
  checkBody(input.plaintext, 'plaintext');
  const text = bodyText(input.plaintext);
  if (text === undefined) throw new ParseError('bad_body', 'the body is not UTF-8 text');
  const format = formatOf(input.contentType);
  if (format === 'json') {
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch (error) {
      throw new ParseError('bad_body', `the body is not valid JSON: ${(error as Error).message}`);
    }
    if (event === null || typeof event !== 'object' || Array.isArray(event)) throw new ParseError('bad_body', 'the JSON body is not an object');
    return { format, event: event as Record<string, unknown> };
  }
  return { format, event: parseXml(text, new Set(input.xmlArrays ?? [])) };
}

/** The wire format a content type names, or a ParseError. */
export function formatOf(contentType: string): WireFormat {
  const media = String(contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (media === 'application/json' || media.endsWith('+json')) return 'json';
  if (media === 'application/xml' || media === 'text/xml' || media.endsWith('+xml')) return 'xml';
  throw new ParseError(
    'unsupported_content_type',
    `unsupported content type ${JSON.stringify(String(contentType ?? '').slice(0, 100))}: expected application/json or application/xml`,
  );
}

function parseXml(text: string, arrays: ReadonlySet<string>): Record<string, unknown> {
  // Hookline never sends a DTD; refusing them keeps entity-expansion tricks away.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new ParseError('bad_body', 'the XML body has a DTD or an entity declaration, which are refused');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new ParseError('bad_body', `the body is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  let tree: Record<string, unknown>;
  try {
    tree = xmlParser.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new ParseError('bad_body', `the XML body cannot be read: ${(error as Error).message}`);
  }
  const roots = Object.keys(tree).filter((k) => k !== TEXT);
  if (roots.length > 1 || Array.isArray(tree.event)) throw new ParseError('bad_body', 'the XML body has more than one root element');
  if (roots[0] !== 'event') throw new ParseError('bad_body', `the XML body's root element is <${roots[0] ?? '(none)'}>, expected <event>`);
  const event = fromXml(tree.event, '', arrays);
  return typeof event === 'string' ? {} : (event as Record<string, unknown>);
}

function fromXml(value: unknown, path: string, arrays: ReadonlySet<string>): unknown {
  if (typeof value === 'string') return value;
  const element = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(element)) {
    if (name === TEXT) {
      // Hookline never mixes text and elements; whitespace between elements (pretty-printed) is fine
      if (String(child).trim() !== '') throw new ParseError('bad_body', `<${path || 'event'}> mixes text and elements`);
      continue;
    }
    const childPath = path ? `${path}.${name}` : name;
    const read = Array.isArray(child) ? child.map((item) => fromXml(item, childPath, arrays)) : fromXml(child, childPath, arrays);
    out[name] = arrays.has(childPath) && !Array.isArray(read) ? [read] : read;
  }
  return out;
}
