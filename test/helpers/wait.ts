/** Polls `check` until it holds (the test's own timeout bounds the wait). */
export async function until(check: () => Promise<boolean> | boolean, everyMs = 50) {
  while (!(await check())) await new Promise((r) => setTimeout(r, everyMs));
}
