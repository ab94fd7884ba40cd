import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The typed client's examples (README's "Typed client", packages/client/README.md) are what people
 * copy: each TypeScript block is type-checked against the client and its generated schema, so an
 * example that names a path, a parameter or a field the API no longer has fails here.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLIENT = path.join(ROOT, 'packages/client/src/index.ts');

function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  expect(start, `a "${heading}" section`).toBeGreaterThan(-1);
  const level = heading.split(' ')[0]!;
  const end = markdown.indexOf(`\n${level} `, start + 1);
  return markdown.slice(start, end === -1 ? undefined : end);
}

/** One module of examples: each block in its own async function, with what they take from the text around them declared. */
function moduleOf(blocks: string[]): string {
  // the blocks' imports, merged by module (two blocks may import the same name)
  const imports = new Map<string, Set<string>>();
  const bodies = blocks.map((block, i) => {
    const lines = block.split('\n');
    for (const line of lines.filter((l) => l.startsWith('import '))) {
      const [, names, from] = /^import \{([^}]*)\} from '([^']+)';$/.exec(line) ?? [];
      expect(from, `an import the test understands: ${line}`).toBeDefined();
      for (const name of names!.split(',')) imports.set(from!, (imports.get(from!) ?? new Set()).add(name.trim()));
    }
    return `export async function example${i}() {\n${lines.filter((l) => !l.startsWith('import ')).join('\n')}\n}`;
  });
  return [
    ...[...imports].map(([from, names]) => `import { ${[...names].join(', ')} } from '${from}';`),
    "import type { HooklineClient as __Client } from '@hookline/client';",
    // what the prose supplies: the environment, a client made in an earlier block, an id
    'declare const process: { env: Record<string, string | undefined> };',
    'declare const hookline: __Client, baseUrl: string, token: string, id: string;',
    ...bodies,
  ].join('\n');
}

/** The type errors of each set of blocks, checked in one program (one load of the client's types). */
function typeErrors<K extends string>(sets: Record<K, string[]>): Record<K, string[]> {
  const sources = new Map(Object.entries<string[]>(sets).map(([name, blocks]) => [path.join(ROOT, `packages/client/src/__${name}__.ts`), moduleOf(blocks)]));
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    paths: { '@hookline/client': [CLIENT] },
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    sources.has(name) ? ts.createSourceFile(name, sources.get(name)!, language) : getSourceFile(name, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => sources.has(name) || fileExists(name);
  const program = ts.createProgram([...sources.keys()], options, host);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const result = {} as Record<K, string[]>;
  for (const [i, [file, source]] of [...sources].entries()) {
    result[Object.keys(sets)[i] as K] = diagnostics
      .filter((d) => d.file?.fileName === file)
      .map((d) => {
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        return `${ts.flattenDiagnosticMessageText(d.messageText, '\n')}\n    at: ${source.split('\n')[line]?.trim()}`;
      });
  }
  return result;
}

describe('typed client examples', () => {
  const readme = tsBlocks(section(readFileSync(path.join(ROOT, 'README.md'), 'utf8'), '### Typed client'));
  const packageReadme = tsBlocks(readFileSync(path.join(ROOT, 'packages/client/README.md'), 'utf8'));
  const wrong = [
    "import { createHooklineClient } from '@hookline/client';",
    "const h = createHooklineClient({ baseUrl: 'http://x', token: 't' });\nconst w = await h.GET('/v1/webhooks/{id}', { params: { path: { id: 'wh_1' } } });\nw.colour;",
    "await hookline.GET('/v1/no-such-route');",
  ];
  let errors: Record<'readme' | 'packageReadme' | 'wrong', string[]>;
  beforeAll(() => {
    errors = typeErrors({ readme, packageReadme, wrong });
  });

  it("README's Typed client example type-checks against the client", () => {
    expect(readme.length).toBeGreaterThan(0);
    expect(errors.readme).toEqual([]);
  });

  it("packages/client/README.md's examples type-check against the client", () => {
    expect(packageReadme.length).toBeGreaterThanOrEqual(6);
    expect(errors.packageReadme).toEqual([]);
  });

  it('would catch an example of a route or field the API does not have', () => {
    expect(errors.wrong.join('\n')).toContain("Property 'colour' does not exist");
    expect(errors.wrong.join('\n')).toContain('/v1/no-such-route');
  });
});
