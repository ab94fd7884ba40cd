// The scenarios of `npm run bench`, one file each; each returns plain figures (medians with min and
// max over its runs) for the table and bench/results.json. Method and figures: BENCHMARKS.md.
export { apiScenario } from './api.js';
export { fanoutScenario } from './fanout.js';
export { fifoScenario } from './fifo.js';
export { type FloorVariant, floorIssue, floorScenario } from './floor.js';
export { cpuMeter } from './measure.js';
export { parkedScenario } from './parked.js';
export { isolationScenario } from './isolation.js';
export { FULL, type Profile, QUICK } from './profile.js';
export { rawScenario } from './raw.js';
export { GROWTH_ENV, growthScenario } from './growth.js';
export { tracingScenario } from './tracing.js';
export { floorAndSustained, type SustainedSetup, sustainedScenario, sustainedSetup, warmHookline } from './sustained.js';
