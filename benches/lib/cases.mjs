// The throughput cases (1-4 and their JWKS flavour), in the order every runtime runs them.

import * as warmHit from "../cases/warm-hit.mjs";
import * as jwks from "../cases/jwks.mjs";
import * as stampede from "../cases/stampede.mjs";
import * as manyVars from "../cases/many-vars.mjs";
import * as churn from "../cases/churn.mjs";

/** Every variant of every case, set up and warm. `origin`: the JWKS origin's URL. */
export async function allVariants({ origin }) {
  const out = [];
  for (const c of [warmHit, jwks, stampede, manyVars, churn]) out.push(...(await c.variants({ origin })));
  return out;
}
