/**
 * The values of every status the service stores. The database enums (`db/schema.ts`) and the API
 * contract (`lib/contract.ts`) are both built from these lists, so a new value is added once.
 * Plain arrays with no imports: the dashboard's bundle uses them through the contract.
 */

export const REQUEST_STATUSES = ["processing", "completed", "failed", "cancelled"] as const;
export const IMAGE_STATUSES = ["pending", "processing", "completed", "failed", "cancelled"] as const;
export const WEBHOOK_STATUSES = ["pending", "delivered", "failed"] as const;

/** How an uploaded CSV was read (lib/csv/csv-layout.ts): the template, a shop export, or the seller's mapping. */
export const CSV_LAYOUTS = ["template", "shopify", "woocommerce", "mapped"] as const;
