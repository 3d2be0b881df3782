// Group commit: what arrives while a write is in flight goes together in the next one.

/**
 * `run` gets every item that arrived while the previous run was in flight, and returns one
 * result (or Error) per item, in order. A lone item runs at once; under load, items share a run
 * instead of each waiting for its own.
 */
export function groupCommit<T, R = void>(run: (items: T[]) => Promise<(R | Error)[] | void>) {
  type Waiter = { item: T; ok: (r: R) => void; fail: (err: unknown) => void };
  let waiting: Waiter[] = [];
  let busy = false;
  const flush = async () => {
    busy = true;
    while (waiting.length) {
      const batch = waiting;
      waiting = [];
      try {
        const results = await run(batch.map((w) => w.item));
        batch.forEach((w, i) => {
          const r = results?.[i];
          if (r instanceof Error) w.fail(r);
          else w.ok(r as R);
        });
      } catch (err) {
        for (const w of batch) w.fail(err);
      }
    }
    busy = false;
  };
  return (item: T): Promise<R> =>
    new Promise<R>((ok, fail) => {
      waiting.push({ item, ok, fail });
      if (!busy) void flush();
    });
}
