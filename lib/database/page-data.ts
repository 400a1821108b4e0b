import { isDatabaseUnreachable } from "@/db/client";

/** A page's data, or word that the database cannot be reached: a state to show, not a crash. */
export type PageData<T> = { ok: true; data: T } | { ok: false; reason: "database_unavailable" };

export async function loadPageData<T>(load: () => Promise<T>): Promise<PageData<T>> {
  try {
    return { ok: true, data: await load() };
  } catch (error) {
    if (isDatabaseUnreachable(error)) return { ok: false, reason: "database_unavailable" };
    throw error;
  }
}
