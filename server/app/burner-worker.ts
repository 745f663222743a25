/**
 * The CPU burner's worker thread: in every 100 ms slice it spins for `duty × 100 ms` and sleeps
 * the rest, so the process's measured CPU rises by about `duty × 100 %` of one core. The main
 * thread sets the duty with `postMessage({ duty })` (0–1).
 */
export {};

/** Length of one duty-cycle slice, ms. */
const SLICE_MS = 100;
let duty = 0;

self.onmessage = (e: MessageEvent<{ duty: number }>) => {
  const d = Number(e.data?.duty);
  duty = Number.isFinite(d) ? Math.min(1, Math.max(0, d)) : 0;
};

function slice(): void {
  const start = performance.now();
  const busyMs = duty * SLICE_MS;
  let x = 0;
  while (performance.now() - start < busyMs) for (let i = 0; i < 1000; i++) x = (x * 31 + i) | 0;
  setTimeout(slice, Math.max(0, SLICE_MS - (performance.now() - start)) + (x & 0));
}
slice();
