/** Placeholder, filled in below. */
import type { Profile } from './scenarios.js';
export async function tuneScenario(_o: { logDir: string; runId: string; profile: Profile; only?: string[] }) {
  return { variants: [] as Array<{ name: string; perSecond: { median: number; min: number; max: number } }> };
}
