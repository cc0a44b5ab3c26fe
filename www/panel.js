// The text beside the timeline: stats() counters, the var's state and stored value, and the log
// of what each action did. Writes to the DOM only when something changed.

const COUNTERS = [
  ["hits", "fresh value, no wait"],
  ["misses", "every other get()"],
  ["loads", "origin loads started"],
  ["coalesced", "joined someone's load"],
  ["staleServed", "stale value served"],
  ["errors", "failed loads"],
  ["timeouts", "loads past timeout"],
  ["cooldownSkips", "invalidate() ignored"],
];
const KIND_ORDER = ["hit", "miss", "joined", "stale", "error"];
const LOG_LENGTH = 8;

const $ = (id) => document.getElementById(id);
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;

export function createPanel() {
  const dl = $("stats");
  const cells = {};
  for (const [key, hint] of COUNTERS) {
    const row = document.createElement("div");
    row.innerHTML = `<dt>${key} <small>${hint}</small></dt><dd data-stat="${key}">0</dd>`;
    dl.append(row);
    cells[key] = row.querySelector("dd");
  }
  let shown = "";

  return {
    /** Shows `rec`'s counters, state and stored value. */
    update(rec) {
      const s = rec.stats();
      const state = rec.bands.at(-1).state;
      const stored = rec.var.peek();
      const text = stored === undefined ? "nothing" : `v${stored.version} (at ${secs(stored.loadedAt - rec.t0)})`;
      const key = `${JSON.stringify(s)}|${state}|${text}`;
      if (key === shown) return;
      shown = key;
      for (const [name] of COUNTERS) cells[name].textContent = String(s[name]);
      $("state").textContent = state;
      $("state").dataset.state = state;
      $("stored").textContent = text;
    },

    /** Adds a line at the top of the log, stamped with `rec`'s time. */
    log(rec, text) {
      const li = document.createElement("li");
      li.innerHTML = `<time>${secs(rec.clock() - rec.t0)}</time> `;
      li.append(text);
      $("log").prepend(li);
      while ($("log").children.length > LOG_LENGTH) $("log").lastElementChild.remove();
    },

    clearLog() {
      $("log").replaceChildren();
    },
  };
}

/** "1 miss · 49 joined → v2": what a group of settled callers did and got. */
export function summarize(callers) {
  const by = {};
  for (const c of callers) by[c.kind] = (by[c.kind] ?? 0) + 1;
  const parts = KIND_ORDER.filter((k) => by[k]).map((k) => `${by[k]} ${k}`);
  const versions = [...new Set(callers.filter((c) => c.value).map((c) => `v${c.value.version}`))];
  const error = callers.find((c) => c.error)?.error;
  return `${parts.join(" · ")}${versions.length ? ` → ${versions.join(", ")}` : ""}${error ? ` (${error})` : ""}`;
}
