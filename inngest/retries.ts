import type { InngestFunction } from "inngest";

type Retries = NonNullable<InngestFunction.Options["retries"]>;

/** Inngest accepts 0 to 20 retries, typed as a literal union; settings are plain numbers. */
export function retries(count: number): Retries {
  return Math.max(0, Math.min(20, Math.floor(count))) as Retries;
}
