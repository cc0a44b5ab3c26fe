// Draws a Recorder as an SVG timeline: the var's state as a band, each origin load as a bar,
// each invalidate() as a tick, each caller as a mark (a line while it waited, a dot where it
// ended), cooldown windows shaded behind. Redrawn from scratch every frame: a few hundred
// elements at most. Every element carries a class and data-* attributes the test counts.

const W = 1000;
const LEFT = 92;
const RIGHT = 14;
const LANES = {
  state: { y: 8, h: 18, label: "state" },
  origin: { y: 36, h: 30, label: "origin loads" },
  invalidate: { y: 74, h: 14, label: "invalidate()" },
  callers: { y: 96, h: 176, label: "get() callers" },
};
const AXIS_Y = 282;
// The view fits everything since the var was created, at least this much, at most the last MAX.
const MIN_SPAN = 5_000;
const MAX_SPAN = 30_000;
const LOAD_ROWS = 3;

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;

const KIND_TEXT = {
  hit: "hit (fresh value)",
  miss: "miss (started the load)",
  joined: "joined a load",
  stale: "stale value served",
  error: "error",
};

function tickStep(span) {
  for (const step of [250, 500, 1000, 2000, 5000, 10_000]) if (span / step <= 12) return step;
  return 20_000;
}

/** Renders `rec` at time `now` (page clock) into the `<g>` element `plot`. */
export function drawTimeline(plot, rec, now) {
  const t = now - rec.t0;
  const end = Math.max(t, MIN_SPAN);
  const start = Math.max(0, end - MAX_SPAN);
  const k = (W - LEFT - RIGHT) / (end - start);
  const x = (abs) => LEFT + (Math.min(Math.max(abs - rec.t0, start), end) - start) * k;
  const visible = (from, to) => to - rec.t0 >= start && from - rec.t0 <= end;
  const out = [];

  // Cooldown windows, behind everything else.
  const top = LANES.state.y;
  const bottom = LANES.callers.y + LANES.callers.h;
  for (const c of rec.cooldowns) {
    if (!visible(c.from, c.to)) continue;
    out.push(`<rect class="cooldown" x="${x(c.from)}" y="${top - 4}" width="${Math.max(x(Math.min(c.to, now)) - x(c.from), 1)}" height="${bottom - top + 8}"><title>cooldown: invalidate() ignored ${secs(c.from - rec.t0)} – ${secs(c.to - rec.t0)}</title></rect>`);
  }

  // Lanes and time axis.
  for (const lane of Object.values(LANES)) {
    out.push(`<text class="lane-label" x="${LEFT - 10}" y="${lane.y + Math.min(lane.h, 18) / 2}">${lane.label}</text>`);
  }
  const step = tickStep(end - start);
  for (let s = Math.ceil(start / step) * step; s <= end; s += step) {
    const xs = LEFT + (s - start) * k;
    out.push(`<line class="tick" x1="${xs}" x2="${xs}" y1="${top}" y2="${AXIS_Y}"/>`);
    out.push(`<text class="tick-label" x="${xs}" y="${AXIS_Y + 12}">${+(s / 1000).toFixed(2)} s</text>`);
  }

  // The var's state.
  for (const b of rec.bands) {
    const to = b.to ?? now;
    if (!visible(b.from, to)) continue;
    out.push(`<rect class="band" data-state="${b.state}" x="${x(b.from)}" y="${LANES.state.y}" width="${Math.max(x(to) - x(b.from), 0.5)}" height="${LANES.state.h}"><title>${b.state} ${secs(b.from - rec.t0)} – ${b.to === null ? "now" : secs(to - rec.t0)}</title></rect>`);
  }

  // Origin loads; overlapping loads (one overtaken by invalidate()) go to the next row.
  const rowEnds = [];
  const rowH = LANES.origin.h / LOAD_ROWS;
  for (const l of rec.origin.loads) {
    const to = l.end ?? now;
    let row = rowEnds.findIndex((e) => e <= l.start);
    if (row === -1) row = Math.min(rowEnds.length, LOAD_ROWS - 1);
    rowEnds[row] = to;
    if (!visible(l.start, to)) continue;
    const x1 = x(l.start);
    const w = Math.max(x(to) - x1, 2);
    const y = LANES.origin.y + row * rowH;
    out.push(`<rect class="load" data-outcome="${l.outcome}" x="${x1}" y="${y + 1}" width="${w}" height="${rowH - 2}" rx="2"><title>load #${l.id}: ${l.outcome}, ${secs(l.start - rec.t0)} – ${l.end === null ? "…" : secs(to - rec.t0)}</title></rect>`);
    if (w > 24) out.push(`<text class="load-label" x="${x1 + 3}" y="${y + rowH / 2 + 0.5}">#${l.id}</text>`);
  }

  // invalidate() calls: a full tick when it dropped the value, a short one when ignored.
  for (const inv of rec.invalidations) {
    if (!visible(inv.t, inv.t)) continue;
    const { y, h } = LANES.invalidate;
    const y1 = inv.effective ? y : y + h / 2;
    out.push(`<line class="invalidate" data-effective="${inv.effective}" x1="${x(inv.t)}" x2="${x(inv.t)}" y1="${y1}" y2="${y + h}"><title>invalidate() at ${secs(inv.t - rec.t0)}: ${inv.effective ? "value dropped" : "ignored (cooldown)"}</title></line>`);
  }

  // Calls closer than 4 px make one tick on screen: say how many.
  const clusters = [];
  for (const inv of rec.invalidations) {
    const last = clusters.at(-1);
    if (last && (inv.t - last.t) * k < 4) last.n++;
    else clusters.push({ t: inv.t, n: 1 });
  }
  for (const c of clusters) {
    if (c.n > 1 && visible(c.t, c.t)) out.push(`<text class="cluster-label" x="${x(c.t) + 4}" y="${LANES.invalidate.y + LANES.invalidate.h / 2}">×${c.n}</text>`);
  }

  // Callers, one row each while they overlap; rows shrink to fit the lane.
  const rows = rec.callers.reduce((m, c) => Math.max(m, c.row + 1), 1);
  const pitch = Math.min(10, (LANES.callers.h - 6) / rows);
  const r = Math.max(1.4, Math.min(3.5, pitch / 2 - 0.3));
  for (const c of rec.callers) {
    const to = c.end ?? now;
    if (!visible(c.t, to)) continue;
    const y = LANES.callers.y + 3 + pitch * (c.row + 0.5);
    const pending = c.end === null;
    const what = c.error ?? (c.value ? `got v${c.value.version}` : "waiting");
    const parts = [];
    if (x(to) - x(c.t) > 0.5) parts.push(`<line x1="${x(c.t)}" x2="${x(to)}" y1="${y}" y2="${y}" stroke-width="${Math.max(1, r * 0.7)}"/>`);
    parts.push(`<circle cx="${x(to)}" cy="${y}" r="${r}"/>`);
    out.push(`<g class="caller" data-kind="${c.kind}" data-started="${c.started}" data-pending="${pending}">${parts.join("")}<title>get() at ${secs(c.t - rec.t0)}: ${KIND_TEXT[c.kind]}${c.started ? ", started a load" : ""} — ${esc(what)}</title></g>`);
  }

  out.push(`<line class="now" x1="${x(now)}" x2="${x(now)}" y1="${top - 4}" y2="${AXIS_Y}"/>`);
  plot.innerHTML = out.join("");
}

/** A one-line text summary of the record, for the SVG's accessible description. */
export function describeTimeline(rec) {
  const by = {};
  for (const c of rec.callers) by[c.kind] = (by[c.kind] ?? 0) + 1;
  const kinds = Object.entries(by).map(([kind, n]) => `${n} ${KIND_TEXT[kind]}`);
  const loads = rec.origin.loads.length;
  return `${loads} origin load${loads === 1 ? "" : "s"}, ${rec.callers.length} get() callers${kinds.length ? ": " + kinds.join(", ") : ""}; state now ${rec.bands.at(-1).state}.`;
}

