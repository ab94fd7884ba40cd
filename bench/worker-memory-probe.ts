/**
 * A wrapper around src/worker-main.ts that logs the worker's memory every 5 s (to its log file in
 * bench/results/logs/<run>/worker.log): `BENCH_WORKER_ENTRY=bench/worker-memory-probe.ts npm run bench -- parked`.
 * Where the parked worker's memory goes is in BENCHMARKS.md.
 */
const mb = (n: number) => (n / 2 ** 20).toFixed(0);
setInterval(() => {
  const m = process.memoryUsage();
  process.stderr.write(`MEM rss ${mb(m.rss)} heapTotal ${mb(m.heapTotal)} heapUsed ${mb(m.heapUsed)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)}\n`);
}, 5000).unref();
await import('../src/worker-main.js');
