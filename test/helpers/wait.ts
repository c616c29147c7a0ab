// Polls until a probe yields a truthy value or a deadline passes, for work a test cannot await
// directly (real processes, background pumps). The one poll helper of the suite.

/** Resolves with the probe's first truthy value; throws after `ms` without one. */
export async function until<T>(probe: () => T | Promise<T>, ms = 5_000, what = 'condition'): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
