import { readFileSync } from 'node:fs';

/**
 * Secrets from files: for each variable X below, `X_FILE=/path` reads X from that file, so a secret
 * can come from a mounted file (Docker or Compose secrets, Kubernetes secret volumes) instead of the
 * process environment, where `docker inspect` and every child process can see it. Trailing newlines
 * are trimmed, as the shell's `$(cat file)` does. Setting both X and X_FILE is refused.
 *
 * DATABASE_PASSWORD_FILE is the password alone: it is put into DATABASE_URL (which must then be set
 * and carry no password of its own) percent-encoded, so a password with `@`, `:`, `/` or `%` cannot
 * break the URL.
 *
 * A leaf module: no imports from the rest of Hookline; loadConfig passes in its own error class.
 */
export const FILE_VARIABLES = ['ADMIN_TOKEN', 'SECRETS_KEY', 'SECRETS_KEY_PREVIOUS', 'DATABASE_URL', 'TEMPORAL_API_KEY'] as const;

type ErrorClass = new (message: string) => Error;

/** A copy of `env` with every supported `X_FILE` read into `X` (and DATABASE_PASSWORD_FILE into DATABASE_URL). */
export function resolveEnvFiles(
  env: NodeJS.ProcessEnv,
  ErrorType: ErrorClass = Error,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): NodeJS.ProcessEnv {
  const fail = (message: string) => new ErrorType(`invalid configuration: ${message}`);
  const set = (name: string) => env[name] !== undefined && env[name] !== '';
  const read = (fileVariable: string): string => {
    const path = env[fileVariable]!;
    let text: string;
    try {
      text = readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw fail(`${fileVariable} cannot be read (${path}: ${code})`);
    }
    const value = text.replace(/[\r\n]+$/, '');
    if (value === '') throw fail(`${fileVariable} names an empty file (${path})`);
    return value;
  };

  const resolved: NodeJS.ProcessEnv = { ...env };
  for (const name of FILE_VARIABLES) {
    const fileVariable = `${name}_FILE`;
    if (!set(fileVariable)) continue;
    if (set(name)) throw fail(`set ${name} or ${fileVariable}, not both`);
    resolved[name] = read(fileVariable);
  }

  if (set('DATABASE_PASSWORD_FILE')) {
    const base = resolved.DATABASE_URL;
    if (base === undefined || base === '') {
      throw fail('DATABASE_PASSWORD_FILE needs DATABASE_URL (or DATABASE_URL_FILE): the URL without its password');
    }
    let url: URL;
    try {
      url = new URL(base);
    } catch {
      throw fail('DATABASE_URL must be a URL such as postgres://user@host:5432/db (with DATABASE_PASSWORD_FILE)');
    }
    if (url.password !== '') throw fail('set the password in DATABASE_URL or DATABASE_PASSWORD_FILE, not both');
    if (url.username === '') throw fail('DATABASE_URL needs a user name with DATABASE_PASSWORD_FILE (postgres://user@host/db)');
    // encodeURIComponent leaves no `@ : / % ? #` for the URL parser to split on; pg decodes it back
    url.password = encodeURIComponent(read('DATABASE_PASSWORD_FILE'));
    resolved.DATABASE_URL = url.toString();
  }
  return resolved;
}
