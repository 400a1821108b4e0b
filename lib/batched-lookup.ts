/**
 * Gathers the lookups asked for during one turn of the event loop into one call of `lookUp`: images
 * whose downloads finish together ask the database once, not once each. `keyOf` names a lookup in
 * the map `lookUp` answers with; a lookup it leaves out is answered with null.
 */
export function batchedLookup<Wanted, Found>(
  lookUp: (wanted: Wanted[]) => Promise<Map<string, Found>>,
  keyOf: (wanted: Wanted) => string,
): (wanted: Wanted) => Promise<Found | null> {
  type Waiting = { wanted: Wanted; resolve: (found: Found | null) => void; reject: (error: unknown) => void };
  let batch: Waiting[] = [];

  const flush = () => {
    const taken = batch;
    batch = [];
    lookUp(taken.map((waiting) => waiting.wanted)).then(
      (found) => {
        for (const waiting of taken) waiting.resolve(found.get(keyOf(waiting.wanted)) ?? null);
      },
      (error: unknown) => {
        for (const waiting of taken) waiting.reject(error);
      },
    );
  };

  return (wanted) =>
    new Promise((resolve, reject) => {
      if (batch.length === 0) setImmediate(flush);
      batch.push({ wanted, resolve, reject });
    });
}
