/**
 * Receive Hookline webhooks: verify the signature (Standard Webhooks, with the `standardwebhooks`
 * package), decrypt the body (AES-256-GCM or AES-256-CBC, with node:crypto), and parse it, JSON or
 * XML (with fast-xml-parser), into a typed event.
 *
 *   import { receive } from '@hookline/receiver';
 *   const delivery = receive({ body: rawBody, headers: req.headers, secret: 'whsec_…', encryptionKey });
 *
 * Or one step at a time: `verify`, then `decrypt`, then `parse`.
 */
export { receive, type Delivery, type ReceiveInput } from './receive.js';
export { verify, DEFAULT_TOLERANCE_SECONDS, type Secrets, type VerifiedSignature, type VerifyInput } from './verify.js';
export { decrypt, ALGORITHMS, type Decrypted, type DecryptInput, type EncryptionAlgorithm } from './decrypt.js';
export { parse, formatOf, type ParseInput, type Parsed, type WireFormat } from './parse.js';
export {
  ConfigurationError,
  DecryptionError,
  ParseError,
  ReceiverError,
  VerificationError,
  type ConfigurationErrorCode,
  type DecryptionErrorCode,
  type ParseErrorCode,
  type ReceiverErrorCode,
  type VerificationErrorCode,
} from './errors.js';
export { headerValue, type HeadersInput, type HeaderValue } from './headers.js';
export type { RawBody } from './body.js';
export * from './events.js';
