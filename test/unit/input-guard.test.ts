import { describe, expect, it } from 'vitest';
import { jsonProblem, MAX_JSON_DEPTH, MAX_JSON_VALUES, stringProblem } from '../../src/api/input-guard.js';

describe('stringProblem', () => {
  it('accepts ordinary text, newlines, emoji (surrogate pairs) and other scripts', () => {
    for (const text of ['', 'hello', 'line\nbreak\ttab', '\u{1F600} grin', '日本語', '\uFFFD']) {
      expect(stringProblem(text)).toBeUndefined();
    }
  });

  it.each([
    ['a NUL', 'a\u0000b'],
    ['a lone high surrogate', 'x\uD800'],
    ['a lone high surrogate before text', '\uD83Dabc'],
    ['a lone low surrogate', '\uDC00x'],
    ['reversed pair', '\uDE00\uD83D'],
  ])('refuses %s', (_name, text) => {
    expect(stringProblem(text)).toMatch(/NUL|Unicode/);
  });
});

describe('jsonProblem', () => {
  it('passes ordinary bodies', () => {
    expect(jsonProblem({ url: 'https://example.com/', events: ['user.joined'], encryption: { enabled: false } })).toBeUndefined();
    expect(jsonProblem([1, 'two', null, true, { three: [3] }])).toBeUndefined();
  });

  it('names the field that holds a bad string, at any depth', () => {
    expect(jsonProblem({ data: { user: { username: 'ada\u0000' } } })).toEqual({
      field: 'data.user.username',
      message: expect.stringMatching(/NUL/),
    });
    expect(jsonProblem({ events: ['user.joined', '\uD800'] })?.field).toBe('events[1]');
    expect(jsonProblem('\uDFFF')?.field).toBe('body');
  });

  it('names a bad field name', () => {
    expect(jsonProblem({ data: { ['bad\u0000key']: 1 } })?.field).toBe('data.bad\u0000key');
    expect(jsonProblem({ ['\uD800']: 1 })?.message).toMatch(/field name/);
  });

  it('refuses nesting deeper than the limit without recursing', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(jsonProblem({ data: deep })?.message).toMatch(new RegExp(`deeper than ${MAX_JSON_DEPTH}`));
    let ok: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH - 1; i++) ok = { a: ok };
    expect(jsonProblem(ok)).toBeUndefined();
  });

  it('refuses more values than the limit', () => {
    expect(jsonProblem({ channelIds: Array.from({ length: MAX_JSON_VALUES }, () => 'c') })?.message).toMatch(/more than/);
    expect(jsonProblem({ channelIds: Array.from({ length: MAX_JSON_VALUES - 10 }, () => 'c') })).toBeUndefined();
  });
});
