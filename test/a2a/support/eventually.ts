/** Resolves when `check` holds, polling; fails after a wide bound (a noisy 2-core machine). */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, boundMs = 15_000): Promise<void> {
  const until = Date.now() + boundMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`still not true after ${boundMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
