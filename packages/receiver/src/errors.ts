/**
 * Every delivery this package refuses is a `ReceiverError` with a `code` and the HTTP `status` to
 * answer with. Messages name what was wrong, never a secret, a key or the body.
 */

/** The signature or its timestamp did not check out: nothing in the request can be trusted. */
export type VerificationErrorCode = 'missing_headers' | 'invalid_signature' | 'stale_timestamp' | 'future_timestamp';
/** The body was signed by Hookline but cannot be decrypted. */
export type DecryptionErrorCode = 'unsupported_algorithm' | 'bad_encryption';
/** The plaintext is not a Hookline event in JSON or XML. */
export type ParseErrorCode = 'bad_body' | 'unsupported_content_type';
/** The receiver's own setup is wrong (a secret, a key, an argument): fix it and Hookline's retries get through. */
export type ConfigurationErrorCode = 'invalid_secret' | 'invalid_key' | 'missing_key' | 'invalid_argument';

export type ReceiverErrorCode = VerificationErrorCode | DecryptionErrorCode | ParseErrorCode | ConfigurationErrorCode;

export class ReceiverError extends Error {
  override name = 'ReceiverError';
  readonly code: ReceiverErrorCode;
  /**
   * What to answer Hookline: 401 for a bad signature, 400 for a body that cannot be read, 500 for
   * the receiver's own configuration. Any non-2xx is retried on Hookline's schedule.
   */
  readonly status: 400 | 401 | 500;

  constructor(code: ReceiverErrorCode, status: 400 | 401 | 500, message: string) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

export class VerificationError extends ReceiverError {
  override name = 'VerificationError';
  declare readonly code: VerificationErrorCode;
  constructor(code: VerificationErrorCode, message: string) {
    super(code, 401, `webhook verification failed: ${message}`);
  }
}

export class DecryptionError extends ReceiverError {
  override name = 'DecryptionError';
  declare readonly code: DecryptionErrorCode;
  constructor(code: DecryptionErrorCode, message: string) {
    super(code, 400, message);
  }
}

export class ParseError extends ReceiverError {
  override name = 'ParseError';
  declare readonly code: ParseErrorCode;
  constructor(code: ParseErrorCode, message: string) {
    super(code, 400, message);
  }
}

export class ConfigurationError extends ReceiverError {
  override name = 'ConfigurationError';
  declare readonly code: ConfigurationErrorCode;
  constructor(code: ConfigurationErrorCode, message: string) {
    super(code, 500, message);
  }
}
