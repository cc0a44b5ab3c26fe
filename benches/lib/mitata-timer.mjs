// Times one contender with mitata (Node, Deno, Bun) and returns its median ns per op. A contender
// is either `fn` (one op per call, awaited when it returns a promise) or `setup` + `run` (setup
// outside the timing, e.g. emptying a cache; `run` does `ops` ops).

import { measure } from "mitata";

const FULL = { min_cpu_time: 200e6 };
// Enough to prove every contender runs, not to measure it.
const QUICK = { min_cpu_time: 0, min_samples: 2, warmup_samples: 0 };

export function mitataTimer({ quick }) {
  const opts = quick ? QUICK : FULL;
  return async (c) => {
    if (c.fn) return (await measure(c.fn, { ...opts })).p50 / (c.ops ?? 1);
    // mitata passes what `[0]` returns to `bench`, computed outside the timing; it counts
    // `bench`'s declared parameters, hence `_`. `batch_threshold: -1`: never batch, so each
    // sample gets its own setup.
    const stats = await measure(
      function* () {
        yield { [0]: c.setup, bench: (_) => c.run() };
      },
      { ...opts, batch_threshold: -1 },
    );
    return stats.p50 / c.ops;
  };
}
