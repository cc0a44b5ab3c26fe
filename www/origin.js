// The simulated origin the demo var loads from: it answers after `latency` ms, fails with
// probability `failureRate` (0..1), and always fails while `down`. It records every load it
// serves (start, end, outcome) so the timeline can draw each one as a bar.

export class Origin {
  latency = 400;
  failureRate = 0;
  down = false;
  /** Every load: { id, start, end, outcome: "running" | "ok" | "failed" | "aborted" }. */
  loads = [];

  /** @param {() => number} clock the page clock (ms), the same one the var reads. */
  constructor(clock) {
    this.clock = clock;
  }

  /** The var's loader: `var.onFirstAccess(origin.loader)`. */
  loader = ({ signal }) => {
    const load = { id: this.loads.length + 1, start: this.clock(), end: null, outcome: "running" };
    this.loads.push(load);
    // Decided up front, as a real origin's fate is sealed when the request leaves.
    const fails = this.down || Math.random() < this.failureRate;
    const why = this.down ? "origin down (503)" : "origin error (500)";
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        load.end = this.clock();
        load.outcome = fails ? "failed" : "ok";
        if (fails) reject(new Error(`load #${load.id}: ${why}`));
        else resolve({ version: load.id, loadedAt: load.end });
      }, this.latency);
      // The var aborts the signal when its `timeout` passes: the request is cancelled.
      const onAbort = () => {
        clearTimeout(timer);
        load.end = this.clock();
        load.outcome = "aborted";
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
  };
}
