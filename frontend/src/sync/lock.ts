// One writer at a time per account, across tabs when the browser has Web Locks: a
// fetch-then-write step must not interleave with another, or an older response could
// overwrite newer data after the state that covers it was saved.

export type Exclusive = <T>(work: () => Promise<T>) => Promise<T>;

export function exclusive(name: string): Exclusive {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (locks) return <T>(work: () => Promise<T>) => locks.request(name, work) as Promise<T>;
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>) => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
}
