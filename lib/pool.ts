/**
 * Runs `work` over `items` with at most `limit` in flight; results in the items' order. Bounds a
 * batch's calls to Temporal (starts, signals) so one batch cannot flood the frontend.
 */
export async function inPool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
