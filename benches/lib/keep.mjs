// A sink for values a benchmarked function returns synchronously, so the JIT cannot drop the
// work that produced them (mitata's `do_not_optimize` does the same; this copy also runs in the
// workerd bundle, which does not load mitata).
export const sink = { value: null };

export function keep(value) {
  sink.value = value;
}
