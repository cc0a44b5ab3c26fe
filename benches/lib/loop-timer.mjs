// Times one contender inside workerd, where mitata cannot run (it compiles its measuring loop with
// `new Function`, which workerd refuses). workerd's clock (`performance.now()` = `Date.now()`)
// ticks in whole milliseconds, so each timed batch repeats the op until it spans `target` ms
// (quantisation under 2% at 50 ms); the figure is the median batch over `samples` batches.
// `setup` runs inside the timing here (a millisecond clock cannot leave it out); it is a single
// invalidate/empty call, against a stampede of thousands of calls.

import { median } from "./stats.mjs";

const MAX_OPS = 2 ** 27;

async function batch(c, n) {
  const t0 = performance.now();
  if (c.fn) {
    const first = c.fn();
    if (first instanceof Promise) {
      await first;
      for (let i = 1; i < n; i++) await c.fn();
    } else {
      for (let i = 1; i < n; i++) c.fn();
    }
  } else {
    for (let i = 0; i < n; i++) await c.run(await c.setup());
  }
  return performance.now() - t0;
}

/** Throws unless the clock moves during synchronous work (bounded spin). */
export function assertLiveClock() {
  const t0 = performance.now();
  for (let i = 0; i < 1e8; i++) if (performance.now() !== t0) return;
  throw new Error("the clock did not advance during execution; this timer needs workerd's live local clock");
}

export function loopTimer({ quick }) {
  // A batch that read >= 5 ms really took > 4 ms, so the next one cannot read 0.
  const target = quick ? 5 : 50;
  const samples = quick ? 1 : 7;
  return async (c) => {
    let n = 1;
    while (n < MAX_OPS && (await batch(c, n)) < target) n *= 2;
    // The JIT can speed the op up after calibration; grow the batch until it still spans half
    // the target.
    for (;;) {
      const ms = [];
      for (let s = 0; s < samples; s++) ms.push(await batch(c, n));
      if (median(ms) >= target / 2 || n >= MAX_OPS) return (median(ms) * 1e6) / n / (c.ops ?? 1);
      n *= 2;
    }
  };
}
