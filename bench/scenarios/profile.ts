

/** How long and how hard the scenarios run: the full profile of `npm run bench`, and a quick one. */
export interface Profile {
  runs: number;
  windowMs: number;
  warmupMs: number;
  concurrency: number;
  fanout: number;
  parked: number;
  apiSeconds: number;
}

export const FULL: Profile = { runs: 3, windowMs: 8_000, warmupMs: 4_000, concurrency: 32, fanout: 1000, parked: 10_000, apiSeconds: 5 };
export const QUICK: Profile = { runs: 2, windowMs: 3_000, warmupMs: 2_000, concurrency: 32, fanout: 200, parked: 1_000, apiSeconds: 2 };
