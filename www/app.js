// Wires the demo page: the controls create and drive a Recorder (a var over a simulated origin),
// and every animation frame samples it and redraws the timeline and the counters.

import { Recorder } from "./recorder.js";
import { drawTimeline, describeTimeline } from "./timeline.js";
import { createPanel, summarize } from "./panel.js";

const OPTION_KEYS = ["ttl", "staleWhileRevalidate", "staleIfError", "timeout", "cooldown"];
const MAX_N = 500;

// The page's clock, shared by the var (its `clock` option), the origin and the timeline.
const clock = () => performance.now();
const $ = (id) => document.getElementById(id);
const panel = createPanel();
const origin = { latency: 400, failureRate: 0, down: false };
let rec;

// Empty means "the package's default"; anything else goes to the package as a number, so
// what it rejects (negative, NaN) is reported in its own words.
function readOptions() {
  const form = $("options");
  const options = {};
  for (const key of OPTION_KEYS) {
    const raw = form.elements[key].value.trim();
    if (raw !== "") options[key] = /^(infinity|∞)$/i.test(raw) ? Infinity : Number(raw);
  }
  return options;
}

function createVar() {
  const form = $("options");
  const error = $("options-error");
  for (const key of OPTION_KEYS) form.elements[key].removeAttribute("aria-invalid");
  try {
    rec = new Recorder(readOptions(), clock);
  } catch (e) {
    const bad = /option (\w+)/.exec(e.message)?.[1];
    if (OPTION_KEYS.includes(bad)) form.elements[bad].setAttribute("aria-invalid", "true");
    error.innerHTML = "<strong></strong> ";
    error.firstChild.textContent = e.message;
    error.append(rec ? "The previous var is still in use." : "");
    error.hidden = false;
    return;
  }
  error.hidden = true;
  Object.assign(rec.origin, origin);
  panel.clearLog();
  const opts = rec.var.options;
  panel.log(rec, `new var: ${OPTION_KEYS.map((k) => `${k} ${opts[k]}`).join(", ")}`);
}

function count(id) {
  const n = Math.trunc(Number($(id).value));
  return Number.isFinite(n) ? Math.min(Math.max(n, 1), MAX_N) : 1;
}

// Runs `n` callers made by `make`, then logs `label()` and what they did once all have settled.
async function run(label, make, n) {
  const r = rec;
  const callers = Array.from({ length: n }, make);
  await Promise.all(callers.map((c) => c.settled));
  if (r === rec) panel.log(r, `${label()} → ${summarize(callers)}`);
}

$("options").addEventListener("submit", (e) => {
  e.preventDefault();
  createVar();
});
$("options").addEventListener("change", createVar);

$("latency").addEventListener("input", (e) => {
  origin.latency = Number(e.target.value);
  $("latency-out").value = `${origin.latency} ms`;
  rec.origin.latency = origin.latency;
});
$("failure").addEventListener("input", (e) => {
  origin.failureRate = Number(e.target.value) / 100;
  $("failure-out").value = `${e.target.value} %`;
  rec.origin.failureRate = origin.failureRate;
});
$("down").addEventListener("click", (e) => {
  origin.down = !origin.down;
  rec.origin.down = origin.down;
  e.target.setAttribute("aria-pressed", String(origin.down));
  e.target.textContent = origin.down ? "Origin is down — restore" : "Origin down";
  panel.log(rec, origin.down ? "origin down: every load fails" : "origin back up");
});

$("get").addEventListener("click", () => run(() => "get()", () => rec.get(), 1));
$("burst").addEventListener("click", () => {
  const n = count("burst-n");
  run(() => `burst ×${n}`, () => rec.get(), n);
});
$("invalidate").addEventListener("click", () => {
  const effective = rec.invalidate();
  panel.log(rec, effective ? "invalidate() → value dropped" : "invalidate() → ignored (within cooldown)");
});
$("flood").addEventListener("click", () => {
  const n = count("flood-n");
  let dropped = 0;
  const make = () => {
    if (rec.invalidate()) dropped++;
    return rec.get();
  };
  run(() => `unknown-kid flood ×${n}: invalidate() dropped the value ${dropped}×, ignored ${n - dropped}×; get()s`, make, n);
});

let described = "";
function frame() {
  rec.sample();
  drawTimeline($("plot"), rec, clock());
  panel.update(rec);
  const text = describeTimeline(rec);
  if (text !== described) $("timeline-desc").textContent = described = text;
  requestAnimationFrame(frame);
}

createVar();
document.body.dataset.ready = "true";
requestAnimationFrame(frame);
