import { type DestinationStream, pino, type Logger } from 'pino';

/**
 * JSON logs. Redaction is a second line of defence: no code path logs a secret, but a header or
 * body logged by mistake must still not leak a bearer token or key.
 */
export function createLogger(level: string, name = 'hookline', destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        'authorization',
        '*.secret',
        '*.key',
        'secret',
        'key',
        '*.token',
        'token',
        'encryption.key',
        '*.encryption.key',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
