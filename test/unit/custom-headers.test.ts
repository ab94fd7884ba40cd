import { describe, expect, it } from 'vitest';
import { customHeaderProblems, mergeCustomHeaders, redactedHeaders, REDACTED } from '../../src/wire/custom-headers.js';

/** The rules a webhook's custom headers are held to (docs/api.md#custom-headers). */
const problemsOf = (headers: Record<string, unknown>) => customHeaderProblems(headers).map((p) => `${p.name}: ${p.message}`);

describe('custom headers', () => {
  it('accepts names of letters, digits and hyphens with printable values', () => {
    expect(problemsOf({ 'X-Api-Key': 'k_123 ~!@#$%^&*()', Authorization: 'Bearer abc', 'x-1': '' })).toEqual([]);
    expect(problemsOf(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`x-h${i}`, 'v'])))).toEqual([]);
    expect(problemsOf({ ['a'.repeat(64)]: 'v'.repeat(1024) })).toEqual([]);
  });

  it('refuses every header Hookline or HTTP sets, whatever the case', () => {
    for (const name of [
      'Content-Type',
      'user-agent',
      'Webhook-Id',
      'webhook-timestamp',
      'WEBHOOK-SIGNATURE',
      'x-hookline-event-type',
      'X-Hookline-Attempt',
      'x-encrypted',
      'x-encryption-algorithm',
      'x-content-type',
      'Host',
      'content-length',
      'Connection',
      'Transfer-Encoding',
    ]) {
      const problems = problemsOf({ [name]: 'x' });
      expect(problems, name).toHaveLength(1);
      expect(problems[0], name).toContain('cannot be overridden');
    }
  });

  it('refuses bad names, duplicates, bad values and too many', () => {
    expect(problemsOf({ 'x header': 'v' })[0]).toContain('letters, digits or hyphens');
    expect(problemsOf({ 'x_header': 'v' })[0]).toContain('letters, digits or hyphens');
    expect(problemsOf({ '': 'v' })[0]).toContain('letters, digits or hyphens');
    expect(problemsOf({ ['a'.repeat(65)]: 'v' })[0]).toContain('letters, digits or hyphens');
    expect(problemsOf({ 'x-é': 'v' })[0]).toContain('letters, digits or hyphens');
    expect(problemsOf({ 'X-Key': 'a', 'x-key': 'b' })).toEqual(['x-key: the same header as X-Key (names are case-insensitive)']);
    expect(problemsOf({ 'x-a': 'line\r\nInjected: yes' })[0]).toContain('no CR, LF');
    expect(problemsOf({ 'x-a': 'new\nline' })[0]).toContain('no CR, LF');
    expect(problemsOf({ 'x-a': 'tab\there' })[0]).toContain('no CR, LF');
    expect(problemsOf({ 'x-a': 'café' })[0]).toContain('printable ASCII');
    expect(problemsOf({ 'x-a': 'v'.repeat(1025) })[0]).toContain('at most 1024');
    expect(problemsOf({ 'x-a': 42 })[0]).toContain('a string');
    expect(problemsOf(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, 'v'])))).toEqual([': at most 20 headers, got 21']);
  });

  it('merges a patch: a value sets, null removes (any case), a name left out keeps its value', () => {
    const current = { 'X-Api-Key': 'secret-1', 'X-Tenant': 'acme' };
    expect(mergeCustomHeaders(current, { 'x-api-key': 'secret-2' })).toEqual({ 'X-Tenant': 'acme', 'x-api-key': 'secret-2' });
    expect(mergeCustomHeaders(current, { 'x-tenant': null })).toEqual({ 'X-Api-Key': 'secret-1' });
    expect(mergeCustomHeaders(current, { 'X-New': 'n' })).toEqual({ ...current, 'X-New': 'n' });
    expect(mergeCustomHeaders(current, {})).toEqual(current);
    expect(current).toEqual({ 'X-Api-Key': 'secret-1', 'X-Tenant': 'acme' });
  });

  it('redacts every value for the attempt record', () => {
    expect(redactedHeaders({ 'X-Api-Key': 'secret-1', 'X-Tenant': 'acme' })).toEqual({ 'X-Api-Key': REDACTED, 'X-Tenant': REDACTED });
  });
});
