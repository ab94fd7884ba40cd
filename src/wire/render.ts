import { XMLBuilder } from 'fast-xml-parser';

export type WireFormat = 'json' | 'xml';

export interface EventEnvelope {
  id: string;
  type: string;
  timestamp: string;
  communityId: string;
  data: unknown;
}

export interface RenderedBody {
  body: string;
  contentType: 'application/json' | 'application/xml';
}

/** The event cannot be rendered as XML; retrying will not help. */
export class WireRenderError extends Error {
  override name = 'WireRenderError';
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

// Keys are rejected, not sanitized: renaming a field would silently break the promise that a
// receiver gets the same fields back. The platform's schemas use plain camelCase keys, so a
// rejection means a schema bug. The rule is a conservative subset of XML names (ASCII, no ':'
// so namespace-aware parsers don't look for a prefix) that every XML parser accepts.
const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

// fast-xml-parser's XMLParser throws on the first three and renames the rest (to `__name`),
// so these would not round-trip to receivers that parse with it (docs/wire-format.md#xml-body).
const PARSER_RESERVED_NAMES = new Set([
  '__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf',
  '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__',
]);

// Characters XML 1.0 cannot carry even as character references (C0 controls other than
// tab/LF/CR, lone surrogates, U+FFFE/U+FFFF). They are replaced with U+FFFD rather than
// rejected because they arrive in user-written text, and one stray control character must not
// make an event undeliverable. (Lone surrogates would become U+FFFD in UTF-8 anyway.)
const XML_ILLEGAL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/gu;

// The defaults already give what docs/wire-format.md#xml-body promises (no attributes, one line, & < > " ' escaped,
// null as `<k/>`); spelled out so a default change upstream can't alter the wire silently.
const builder = new XMLBuilder({ ignoreAttributes: true, format: false, processEntities: true, suppressEmptyNode: false });

/**
 * XML is the JSON body's tree under `<event>`. Notes for receivers parsing it with
 * fast-xml-parser `new XMLParser({ parseTagValue: false, trimValues: false })`, which is the
 * configuration that gives back exactly the JSON body's strings:
 * - every leaf comes back as a string: numbers as their JSON text (`5`, `1.5`), booleans as
 *   `'true'`/`'false'`. With the default `parseTagValue: true` numbers and booleans come back
 *   typed, but so do strings that look like numbers (an id `"007"` becomes 7), so we advise
 *   against it; the default `trimValues: true` also strips surrounding whitespace from text.
 * - `null`, `''` and `{}` all come back as `''` (an empty element).
 * - a one-element array comes back as a scalar and an empty array as an absent field, unless
 *   the receiver lists array paths in the parser's `isArray` option.
 * - CR LF in text comes back as LF (XML line-ending normalisation).
 * - the result is `{ '?xml': '', event: {...} }`; `ignoreDeclaration: true` drops the first key.
 */
export function renderBody(envelope: EventEnvelope, format: WireFormat): RenderedBody {
  const { id, type, timestamp, communityId, data } = envelope;
  // Built explicitly so the key order (and the absence of any extra keys) is part of the contract.
  const json = JSON.stringify({ id, type, timestamp, communityId, data });
  if (format === 'json') return { body: json, contentType: 'application/json' };
  if (format !== 'xml') throw new WireRenderError(`unknown wire format: ${String(format)}`);

  // Going through the JSON text makes the XML carry exactly what the JSON body would: Dates as
  // ISO strings, undefined fields dropped, NaN/Infinity as null, toJSON() honoured.
  const tree = toXmlTree(JSON.parse(json), 'event');
  return { body: XML_DECLARATION + builder.build({ event: tree }), contentType: 'application/xml' };
}

function toXmlTree(value: unknown, path: string): unknown {
  if (typeof value === 'string') return value.replace(XML_ILLEGAL_CHARS, '\uFFFD');
  if (Array.isArray(value)) {
    // Repeated elements have no way to mark where an inner array ends.
    return value.map((item: unknown, i) => {
      if (Array.isArray(item)) throw new WireRenderError(`${path}[${i}]: nested arrays cannot be rendered as XML`);
      return toXmlTree(item, `${path}[${i}]`);
    });
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (!XML_NAME.test(key) || PARSER_RESERVED_NAMES.has(key)) {
        throw new WireRenderError(`${path}: key ${JSON.stringify(key)} is not a usable XML element name`);
      }
      out[key] = toXmlTree(child, `${path}.${key}`);
    }
    return out;
  }
  return value;
}
