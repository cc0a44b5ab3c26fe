// Draws the ratio chart (hand-written SVG, no chart library): for each variant, each contender's
// time as a multiple of the hand-written memo, one bar per runtime, on a log2 axis whose bars
// start at 1× — left of it faster than the memo, right of it slower. Bars beyond the axis end in
// an arrow; Node's ratio is printed at its bar.

const RUNTIME_COLORS = { node: "#3c873a", deno: "#1f2937", bun: "#db2777", workerd: "#f38020" };
const MIN = 1 / 8;
const MAX = 256;
const LABEL_W = 380;
const PLOT_W = 520;
const BAR_H = 4;
const BAR_GAP = 1;
const HEAD_H = 26;
const PAD = 12;

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fmt = (r) => (r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2)) + "×";

function xOf(ratio) {
  const clamped = Math.min(MAX, Math.max(MIN, ratio));
  return LABEL_W + (PLOT_W * (Math.log2(clamped) - Math.log2(MIN))) / (Math.log2(MAX) - Math.log2(MIN));
}

/** `runs`: [{ runtime, variants }] in display order; the first one's variants set the rows. */
export function chart(runs, { title }) {
  const rowH = runs.length * (BAR_H + BAR_GAP) + 6;
  const out = [];
  let y = PAD + 40;
  const one = xOf(1);
  for (const v of runs[0].variants) {
    out.push(`<text x="${PAD}" y="${y + 16}" class="head">${esc(v.title)} <tspan class="unit">(${esc(v.unit)})</tspan></text>`);
    y += HEAD_H;
    for (const c of v.contenders) {
      out.push(`<text x="${LABEL_W - 8}" y="${y + rowH / 2 + 3}" text-anchor="end" class="${c.ours ? "ours" : "label"}">${esc(c.name)}</text>`);
      runs.forEach((run, i) => {
        const ratio = run.variants.find((w) => w.id === v.id)?.contenders.find((d) => d.name === c.name)?.ratio;
        if (ratio === undefined || !Number.isFinite(ratio)) return;
        const x = xOf(ratio);
        const by = y + 3 + i * (BAR_H + BAR_GAP);
        const [x0, x1] = x < one ? [x, one] : [one, x];
        out.push(`<rect x="${x0.toFixed(1)}" y="${by}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${BAR_H}" fill="${RUNTIME_COLORS[run.runtime]}"/>`);
        if (ratio > MAX || ratio < MIN) {
          const tip = ratio > MAX ? x + 5 : x - 5;
          out.push(`<path d="M${x.toFixed(1)} ${by - 1}L${tip.toFixed(1)} ${by + BAR_H / 2}L${x.toFixed(1)} ${by + BAR_H + 1}Z" fill="${RUNTIME_COLORS[run.runtime]}"/>`);
        }
        if (i === 0) {
          const tx = x < one ? x - 4 : x + 4;
          out.push(`<text x="${tx.toFixed(1)}" y="${by + BAR_H + 1}" text-anchor="${x < one ? "end" : "start"}" class="val">${fmt(ratio)}</text>`);
        }
      });
      y += rowH;
    }
    y += 6;
  }
  const height = y + 36;
  const width = LABEL_W + PLOT_W + 60;
  const ticks = [];
  for (let r = MIN; r <= MAX; r *= 2) {
    const x = xOf(r);
    ticks.push(`<line x1="${x.toFixed(1)}" y1="${PAD + 40}" x2="${x.toFixed(1)}" y2="${y}" class="${r === 1 ? "one" : "grid"}"/>`);
    ticks.push(`<text x="${x.toFixed(1)}" y="${y + 14}" text-anchor="middle" class="tick">${r < 1 ? `1/${1 / r}` : r}×</text>`);
  }
  const legend = runs.map((run, i) => {
    const lx = LABEL_W - 60 + i * 130;
    return `<rect x="${lx}" y="${PAD + 20}" width="12" height="8" fill="${RUNTIME_COLORS[run.runtime]}"/><text x="${lx + 16}" y="${PAD + 28}" class="label">${esc(run.label)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">
<style>
.title{font-size:14px;font-weight:600}.head{font-size:12px;font-weight:600}.unit{font-weight:400;fill:#555}
.label{font-size:11px;fill:#222}.ours{font-size:11px;font-weight:700;fill:#000}.val{font-size:8px;fill:#333}
.tick{font-size:10px;fill:#555}.grid{stroke:#e5e5e5}.one{stroke:#888;stroke-dasharray:3 2}
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${PAD}" y="${PAD + 12}" class="title">${esc(title)}</text>
${legend.join("\n")}
${ticks.join("\n")}
${out.join("\n")}
<text x="${one.toFixed(1)}" y="${y + 28}" text-anchor="middle" class="tick">time as a multiple of the hand-written memo (log scale; left of 1× is faster)</text>
</svg>
`;
}
