/** Runs `task` over `items` with `concurrency` of them in flight (a pool of promises), in order of start. */
export async function pool<T>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<unknown>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
