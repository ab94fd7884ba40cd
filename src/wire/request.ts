import { signatureHeader } from '../signing/index.js';
import { VERSION } from '../version.js';
import { type EncryptionAlgorithm, encryptBody } from './encrypt.js';
import { RESERVED_HEADER_NAMES, redactedHeaders } from './custom-headers.js';
import { attemptHeaders } from './headers.js';
import { type EventEnvelope, renderBody, type WireFormat, WireRenderError } from './render.js';

/**
 * Everything that goes on the wire for one attempt, made in one place: the body rendered (JSON or
 * XML), encrypted when the webhook asks for it, signed by every live secret, and the headers that
 * go with it. A tagged result: what cannot be built is a failure the attempt records (with its
 * code), never an exception that leaves the delivery waiting. docs/wire-format.md.
 */
export type RequestBuildFailureCode = 'render_error' | 'encryption_error' | 'no_signing_secret' | 'signing_error';

export type BuiltRequest =
  /** `headers` go on the wire; `recordedHeaders` into the attempt row (custom header values redacted). */
  | { kind: 'built'; body: string; headers: Record<string, string>; recordedHeaders: Record<string, string> }
  | { kind: 'failed'; code: RequestBuildFailureCode; message: string };

export interface RequestInput {
  deliveryId: string;
  attemptNumber: number;
  event: EventEnvelope;
  format: WireFormat;
  encryption: { algorithm: EncryptionAlgorithm; key: string } | null;
  /** Live signing secrets, newest first (the newest MAX_SIGNATURES sign). */
  secrets: readonly string[];
  signedAt: Date;
  /** The webhook's custom headers (src/wire/custom-headers.ts); none by default. */
  customHeaders?: Record<string, string>;
}

/**
 * At most this many signatures in webhook-signature: the current secret and, during a rotation's
 * grace, the one before it (a rotation ends older graces at once, src/store/webhooks.ts); any more
 * live rows (left by hand, or by rotations before that rule) are not used.
 */
export const MAX_SIGNATURES = 2;

export function buildAttemptRequest(input: RequestInput): BuiltRequest {
  if (input.secrets.length === 0) {
    return { kind: 'failed', code: 'no_signing_secret', message: 'the webhook has no live signing secret; rotate its secret to make one' };
  }
  let rendered: ReturnType<typeof renderBody>;
  try {
    rendered = renderBody(input.event, input.format);
  } catch (error) {
    if (!(error instanceof WireRenderError)) throw error;
    return { kind: 'failed', code: 'render_error', message: `the event cannot be rendered as ${input.format}: ${error.message}` };
  }
  let body = rendered.body;
  if (input.encryption) {
    try {
      body = encryptBody(rendered.body, input.encryption.algorithm, input.encryption.key);
    } catch (error) {
      // encryptBody's messages name the algorithm or the key's length, never the key
      return { kind: 'failed', code: 'encryption_error', message: `the body cannot be encrypted: ${(error as Error).message}` };
    }
  }
  let signature: string;
  try {
    signature = signatureHeader(input.secrets.slice(0, MAX_SIGNATURES), input.deliveryId, input.signedAt, body);
  } catch {
    // a stored secret that is not `whsec_` + base64 (edited by hand): its text must not be quoted
    return { kind: 'failed', code: 'signing_error', message: 'a signing secret of this webhook is malformed; rotate its secret' };
  }
  const headers = attemptHeaders({
    deliveryId: input.deliveryId,
    eventType: input.event.type,
    attemptNumber: input.attemptNumber,
    signedAt: input.signedAt,
    signature,
    userAgent: `Hookline/${VERSION}`,
    contentType: rendered.contentType,
    encryptionAlgorithm: input.encryption?.algorithm ?? null,
  });
  // Hookline's own headers come last: a custom header never shadows one (their names are refused
  // when stored; this holds for a row edited by hand too, since names are compared lowercased)
  const custom = Object.fromEntries(
    Object.entries(input.customHeaders ?? {}).filter(([name]) => !RESERVED_HEADER_NAMES.includes(name.toLowerCase())),
  );
  return {
    kind: 'built',
    body,
    headers: { ...custom, ...headers },
    recordedHeaders: { ...redactedHeaders(custom), ...headers },
  };
}
