"use client";

import { useEffect, useId, useState } from "react";
import { type ColumnMapping, suggestMapping } from "@/lib/csv/csv-layout";

/**
 * For a CSV in no known layout: the seller says which column is the product id, which the name and
 * which hold image URLs, starting from what the header names suggest. The preview reads the file
 * again with the choice, and the upload sends it as the mapping fields.
 */
export function ColumnMappingFields({
  header,
  value,
  onChange,
  onPendingChange,
  disabled,
}: {
  header: string[];
  value: ColumnMapping | null;
  onChange: (mapping: ColumnMapping | null) => void;
  /** Whether the choice on screen is not the one the file is read with (the upload waits for it). */
  onPendingChange: (pending: boolean) => void;
  disabled: boolean;
}) {
  const id = useId();
  const columns = [...new Set(header.map((column) => column.trim()).filter(Boolean))];
  const [draft, setDraft] = useState(() => value ?? suggestMapping(columns));
  const [problem, setProblem] = useState<string | null>(null);
  const pending = value === null || !sameMapping(draft, value);
  useEffect(() => onPendingChange(pending), [pending, onPendingChange]);

  const apply = () => {
    if (!draft.nameColumn) return setProblem("Choose the column with the product name.");
    if (draft.imageColumns.length === 0) return setProblem("Choose at least one column with image URLs.");
    if (draft.imageColumns.includes(draft.nameColumn))
      return setProblem("The name column cannot also be an image column.");
    setProblem(null);
    onChange({ idColumn: draft.idColumn, nameColumn: draft.nameColumn, imageColumns: draft.imageColumns });
  };

  const toggleImage = (column: string, on: boolean) =>
    setDraft((current) => ({
      ...current,
      imageColumns: on
        ? columns.filter((each) => each === column || current.imageColumns.includes(each))
        : current.imageColumns.filter((each) => each !== column),
    }));

  const select = "mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm disabled:opacity-50";
  return (
    <fieldset
      data-testid="column-mapping"
      disabled={disabled}
      className="space-y-3 rounded-lg bg-indigo-50/60 p-3 ring-1 ring-indigo-600/15 ring-inset"
    >
      <legend className="sr-only">Choose the columns</legend>
      <p data-testid="column-mapping-note" className="text-sm text-slate-700">
        {!value
          ? "This file is not in the template, a Shopify export or a WooCommerce export. Check which columns hold what, then press Use these columns:"
          : pending
            ? "Your changes are not used yet: press Use these columns to read the file with them."
            : "Read with the columns below. Change them and apply again, or go back to the template's columns."}
      </p>
      <div className="grid gap-3 sm:grid-cols-2">
        <label className="block text-sm font-medium text-slate-700">
          Product name
          <select
            className={select}
            value={draft.nameColumn ?? ""}
            onChange={(event) => setDraft({ ...draft, nameColumn: event.target.value || null })}
          >
            <option value="">Choose a column…</option>
            {columns.map((column) => (
              <option key={column}>{column}</option>
            ))}
          </select>
        </label>
        <label className="block text-sm font-medium text-slate-700">
          Product id <span className="font-normal text-slate-500">(optional)</span>
          <select
            className={select}
            value={draft.idColumn ?? ""}
            onChange={(event) => setDraft({ ...draft, idColumn: event.target.value || null })}
          >
            <option value="">None: number products by row</option>
            {columns.map((column) => (
              <option key={column}>{column}</option>
            ))}
          </select>
        </label>
      </div>
      <div role="group" aria-labelledby={`${id}-images`}>
        <p id={`${id}-images`} className="text-sm font-medium text-slate-700">
          Image URLs <span className="font-normal text-slate-500">(one or more columns)</span>
        </p>
        <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
          {columns.map((column) => (
            <label key={column} className="flex items-center gap-1.5 text-sm">
              <input
                type="checkbox"
                checked={draft.imageColumns.includes(column)}
                onChange={(event) => toggleImage(column, event.target.checked)}
              />
              {column}
            </label>
          ))}
        </div>
      </div>
      {problem ? (
        <p role="alert" className="text-sm text-rose-800">
          {problem}
        </p>
      ) : null}
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          onClick={apply}
          className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50"
        >
          Use these columns
        </button>
        {value ? (
          <button
            type="button"
            onClick={() => onChange(null)}
            className="rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100"
          >
            Clear the choice
          </button>
        ) : null}
      </div>
    </fieldset>
  );
}

/** Whether the draft on screen is the mapping in use. */
function sameMapping(a: Omit<ColumnMapping, "nameColumn"> & { nameColumn: string | null }, b: ColumnMapping): boolean {
  return (
    a.nameColumn === b.nameColumn &&
    a.idColumn === b.idColumn &&
    a.imageColumns.length === b.imageColumns.length &&
    a.imageColumns.every((column, index) => column === b.imageColumns[index])
  );
}
