import "server-only";

/**
 * Data a server component loads for a client view, with the time it was read: the client's query
 * cache treats it as fetched then, and replaces older cached copies with it.
 */
export async function loadSeed<T>(load: () => Promise<T>): Promise<{ data: T; fetchedAt: number }> {
  const data = await load();
  return { data, fetchedAt: Date.now() };
}
