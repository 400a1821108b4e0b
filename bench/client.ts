import type { RequestStatus, UploadAccepted } from "@/lib/contract";
import { getJson, since, sleep } from "./http";
import { PRODUCT_CSV_HEADER } from "@/test/product-csv";

/** What a client of the service does: write a product CSV, upload it, watch its status. */

/** A product CSV: one row per product, its image URLs in one quoted cell. */
export function productCsv(rows: string[][]): string {
  const lines = rows.map((urls, index) => `${index + 1},Product ${index + 1},"${urls.join(",")}"`);
  return `${PRODUCT_CSV_HEADER}\n${lines.join("\n")}\n`;
}

/** `cookie`: the owner cookie the first upload was answered with, to upload again as the same client. */
export type TimedUpload = { accepted: UploadAccepted; ms: number; cookie: string | null };

/**
 * POSTs the CSV as multipart/form-data; `ms` runs from the start of the request to the 202 and its
 * body. `fields` are the upload's form fields; `cookie` uploads as the owner of an earlier upload.
 */
export async function uploadCsv(
  origin: string,
  csv: string,
  fileName = "products.csv",
  { fields = {}, cookie = null }: { fields?: Record<string, string>; cookie?: string | null } = {},
): Promise<TimedUpload> {
  const form = new FormData();
  form.set("file", new File([csv], fileName, { type: "text/csv" }));
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  const start = performance.now();
  const response = await fetch(`${origin}/api/csv/upload`, {
    method: "POST",
    body: form,
    headers: cookie ? { cookie } : {},
  });
  const body = await response.text();
  const ms = since(start);
  if (response.status !== 202) throw new Error(`upload answered ${response.status}: ${body.slice(0, 500)}`);
  const given = response.headers.get("set-cookie")?.split(";")[0] ?? null;
  return { accepted: JSON.parse(body) as UploadAccepted, ms, cookie: given ?? cookie };
}

export function getStatus(origin: string, requestId: string, query = "?pageSize=1"): Promise<RequestStatus> {
  return getJson<RequestStatus>(`${origin}/api/csv/status/${requestId}${query}`);
}

/**
 * Polls the status (one product per page, the cheapest form) until the request is no longer
 * processing. `polls` says how many status calls the server answered meanwhile.
 */
export async function waitUntilFinished(
  origin: string,
  requestId: string,
  everyMs = 50,
): Promise<RequestStatus & { polls: number }> {
  for (let polls = 1; ; polls++) {
    const status = await getStatus(origin, requestId);
    if (status.status !== "processing") return { ...status, polls };
    await sleep(everyMs);
  }
}
