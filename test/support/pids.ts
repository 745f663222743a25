/**
 * Process liveness for tests that check what they started has ended.
 */

/** Whether process `pid` exists (signal 0 reaches it). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
