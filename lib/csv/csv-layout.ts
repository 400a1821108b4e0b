import type { CSV_LAYOUTS } from "@/db/enums";
import { COLUMNS, type InputColumn, locateColumns, normalizeHeader } from "./columns";

/**
 * The layouts a product CSV is read in, recognised by its header:
 * - `template`: the service's own columns (`S. No.`, `Product Name`, `Input Image Urls`); the output
 *   adds `Output Image Urls` and keeps every other column in place.
 * - `shopify`: a Shopify product export. A product spans the rows that share its `Handle`; its name is
 *   the `Title` on its first row; its images are in `Image Src` and `Variant Image`.
 * - `woocommerce`: a WooCommerce product export. One product per row, named by `ID` (else `SKU`) and
 *   `Name`; its images are the comma-separated URLs in `Images`.
 * - `mapped`: any other CSV, with the columns the seller chose (`ColumnMapping`).
 * Every layout but the template comes back as the same file with image URLs replaced in place, so it can
 * be imported again where it came from.
 */
export type CsvLayoutKind = (typeof CSV_LAYOUTS)[number];

/** Where a file's products are, by column index; stored with the request to write its output. */
export type CsvLayout = {
  kind: CsvLayoutKind;
  /** The columns that name a product, first non-empty cell wins (WooCommerce: `ID`, then `SKU`). */
  ids: number[];
  name: number;
  images: number[];
};

/** Which columns of a CSV in no known layout hold what, by header name (the upload's mapping fields). */
export type ColumnMapping = { idColumn: string | null; nameColumn: string; imageColumns: string[] };

/** A problem with the header: the column (or mapping field) at fault and what to do. */
export type HeaderProblem = { column: string; message: string };

/** The output of a layout is the seller's file with URLs replaced, meant to be imported again. */
export function isReimportLayout(kind: CsvLayoutKind): boolean {
  return kind !== "template";
}

/** The layout of a header: the mapping when there is one, else the first known layout it matches. */
export function findLayout(
  header: string[],
  mapping: ColumnMapping | null,
): { layout: CsvLayout } | { problems: HeaderProblem[] } {
  if (mapping) return applyMapping(header, mapping);
  const template = locateColumns(header);
  if (template.size === 3) {
    return {
      layout: {
        kind: "template",
        ids: [template.get("serialNumber")!],
        name: template.get("productName")!,
        images: [template.get("inputUrls")!],
      },
    };
  }
  const shop = findShopLayout(header);
  if (shop) return { layout: shop };
  return { problems: missingTemplateColumns(header, template) };
}

function findShopLayout(header: string[]): CsvLayout | null {
  const normalized = header.map(normalizeHeader);
  const at = (name: string) => normalized.indexOf(name);
  const present = (index: number) => index !== -1;

  const [handle, title, imageSrc, variantImage] = ["handle", "title", "imagesrc", "variantimage"].map(at);
  if (present(handle) && present(title) && present(imageSrc)) {
    return {
      kind: "shopify",
      ids: [handle],
      name: title,
      images: present(variantImage) ? [imageSrc, variantImage] : [imageSrc],
    };
  }
  const [id, sku, name, images] = ["id", "sku", "name", "images"].map(at);
  if ((present(id) || present(sku)) && present(name) && present(images)) {
    return { kind: "woocommerce", ids: [id, sku].filter(present), name, images: [images] };
  }
  return null;
}

/** Today's answer to a file in no layout: each missing template column, named. */
function missingTemplateColumns(header: string[], found: Map<InputColumn, number>): HeaderProblem[] {
  const columns = `"${COLUMNS.serialNumber}", "${COLUMNS.productName}" and "${COLUMNS.inputUrls}"`;
  return (["serialNumber", "productName", "inputUrls"] as const)
    .filter((column) => !found.has(column))
    .map((column) => ({
      column: COLUMNS[column],
      message: `Missing column "${COLUMNS[column]}". The header row must name ${columns}; found ${describeHeader(header)}.`,
    }));
}

/** The mapping's column names found in the header: as written first, then forgivingly (case, spaces, dots). */
function applyMapping(header: string[], mapping: ColumnMapping): { layout: CsvLayout } | { problems: HeaderProblem[] } {
  const problems: HeaderProblem[] = [];
  const locate = (field: string, name: string): number => {
    const exact = header.findIndex((column) => column.trim() === name.trim());
    const index = exact !== -1 ? exact : header.map(normalizeHeader).indexOf(normalizeHeader(name));
    if (index === -1) {
      problems.push({
        column: field,
        message: `${field}: the CSV has no column "${shorten(name)}"; its columns are ${describeHeader(header)}.`,
      });
    }
    return index;
  };
  const id = mapping.idColumn === null ? null : locate("idColumn", mapping.idColumn);
  const name = locate("nameColumn", mapping.nameColumn);
  const images = mapping.imageColumns.map((column) => locate("imageColumns", column));
  if (problems.length > 0) return { problems };

  if (images.includes(name)) {
    problems.push({
      column: "imageColumns",
      message: `imageColumns: "${shorten(header[name])}" is the name column; image URLs must come from another column.`,
    });
  }
  if (id !== null && images.includes(id)) {
    problems.push({
      column: "imageColumns",
      message: `imageColumns: "${shorten(header[id])}" is the id column; image URLs must come from another column.`,
    });
  }
  if (problems.length > 0) return { problems };
  return { layout: { kind: "mapped", ids: id === null ? [] : [id], name, images: [...new Set(images)] } };
}

/**
 * Suggests a mapping for a header in no known layout: the columns whose names say id, name and
 * image, for the dashboard to offer before the seller picks. Null parts were not recognisable.
 */
export function suggestMapping(header: string[]): {
  idColumn: string | null;
  nameColumn: string | null;
  imageColumns: string[];
} {
  const named = header.map((column) => ({ column, key: normalizeHeader(column) }));
  const first = (test: (key: string) => boolean) => named.find(({ key }) => key !== "" && test(key))?.column ?? null;
  const nameColumn =
    first((key) => /(^|product|item)(name|title)$/.test(key)) ?? first((key) => /name|title/.test(key));
  const idColumn =
    first((key) => /^(id|sku|code|handle|ref|reference|productid|itemid|articlenumber|serialnumber|sno)$/.test(key)) ??
    first((key) => /(id|sku|code)$/.test(key));
  const imageColumns = named
    .filter(
      ({ key, column }) => /image|photo|picture|img|pic/.test(key) && column !== nameColumn && column !== idColumn,
    )
    .map(({ column }) => column);
  return { idColumn, nameColumn, imageColumns };
}

export function describeHeader(header: string[]): string {
  const names = header.map((name) => name.trim()).filter(Boolean);
  return names.length ? names.map((name) => `"${shorten(name)}"`).join(", ") : "no column names";
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
