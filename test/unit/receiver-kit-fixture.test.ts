import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KIT_FIXTURE_FILES, KIT_FIXTURE_TEXT } from '../../scripts/receiver-kit-fixture.js';

/** Each receiver kit's unit tests read bodies made by Hookline's wire code: they must be today's. */
describe('the receiver kits\' wire fixture', () => {
  it.each(KIT_FIXTURE_FILES)('%s is what scripts/receiver-kit-fixture.ts makes now', (file) => {
    expect(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'), 'run: npx tsx scripts/receiver-kit-fixture.ts').toBe(KIT_FIXTURE_TEXT);
  });
});
