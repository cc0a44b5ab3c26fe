// Runs every variant's contenders for a number of rounds with a runtime's timer and summarises:
// per contender, the ns per op of each round, their median, and the median over rounds of its
// ratio to the variant's reference (the hand-written memo) measured in the same round. Contenders
// are visited in a rotated order each round, so none always runs first or last.

import { median } from "./stats.mjs";

/** One round of one variant: ns per op of each contender, in contender order. */
export async function timeRound(variant, round, time) {
  const n = variant.contenders.length;
  const out = new Array(n);
  for (let k = 0; k < n; k++) {
    const ci = (k + round) % n;
    out[ci] = await time(variant.contenders[ci]);
  }
  return out;
}

/** What a variant is, without its functions (the workerd runner gets it over HTTP). */
export function describe(variant) {
  const { id, case: n, title, unit, contenders } = variant;
  return { id, case: n, title, unit, contenders: contenders.map((c) => ({ name: c.name, ours: c.ours ?? false, ref: c.ref ?? false })) };
}

/** `perRound[round][contender]` ns per op → the variant's results. */
export function summarise(meta, perRound, check) {
  const ref = meta.contenders.findIndex((c) => c.ref);
  if (ref < 0) throw new Error(`variant ${meta.id} has no reference contender`);
  return {
    ...meta,
    contenders: meta.contenders.map((c, ci) => {
      const rounds = perRound.map((r) => r[ci]);
      return { ...c, rounds, median: median(rounds), ratio: median(perRound.map((r) => r[ci] / r[ref])) };
    }),
    check: check ?? null,
  };
}

export async function runRounds(variants, { rounds, time, log = () => {} }) {
  const perRound = variants.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [vi, v] of variants.entries()) {
      perRound[vi].push(await timeRound(v, r, time));
      log(`round ${r + 1}/${rounds} ${v.id}`);
    }
  }
  const out = [];
  for (const [vi, v] of variants.entries()) out.push(summarise(describe(v), perRound[vi], v.check ? await v.check() : null));
  return out;
}
