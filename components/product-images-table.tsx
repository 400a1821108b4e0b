"use client";

import { type ReactNode, useState } from "react";
import type { ImageStatus, ProductStatus } from "@/lib/contract";
import { formatBytes, formatSaving, plural, savingRatio } from "@/lib/format";
import { ImageCompare } from "@/components/compare/image-compare";
import { ImageThumbnail, ThumbnailPlaceholder } from "@/components/ui/image-thumbnail";

/** One product and its images: before and after, sizes, saving, and why an image failed. */
export function ProductImagesTable({ product }: { product: ProductStatus }) {
  const finished = product.images.filter((image) => image.status !== "pending" && image.status !== "processing").length;
  const captionId = `product-${product.rowNumber}`;
  return (
    <section
      data-testid="product"
      data-row={product.rowNumber}
      aria-labelledby={captionId}
      className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs"
    >
      <header className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1 border-b border-slate-100 bg-slate-50/70 px-4 py-2.5">
        <h3 id={captionId} className="min-w-0 font-medium text-slate-900">
          <span className="mr-2 text-sm text-slate-500 tabular-nums">#{product.serialNumber}</span>
          <span className="break-words">{product.productName}</span>
        </h3>
        <p className="text-xs text-slate-500">
          Row {product.rowNumber} · {plural(product.images.length, "image")}
          {finished < product.images.length ? ` · ${finished} finished` : ""}
        </p>
      </header>
      <table className="w-full table-fixed text-left text-sm">
        <caption className="sr-only">Images of {product.productName}</caption>
        <thead className="text-xs font-medium text-slate-500">
          <tr className="border-b border-slate-100">
            <th scope="col" className="w-9 py-2 pr-1 pl-4 font-medium sm:w-12">
              <span className="sr-only">Position</span>#
            </th>
            <th scope="col" className="w-[4.25rem] px-1.5 py-2 font-medium sm:w-20 sm:px-2">
              Before
            </th>
            <th scope="col" className="w-[4.25rem] px-1.5 py-2 font-medium sm:w-20 sm:px-2">
              After
            </th>
            <th scope="col" className="hidden w-44 px-2 py-2 font-medium sm:table-cell lg:w-52">
              Size
            </th>
            <th scope="col" className="py-2 pr-4 pl-2 font-medium">
              Result
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {product.images.map((image, index) => (
            <ImageRow
              key={`${index}-${image.inputUrl}`}
              image={image}
              position={index + 1}
              productName={product.productName}
            />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function ImageRow({ image, position, productName }: { image: ImageStatus; position: number; productName: string }) {
  const [comparing, setComparing] = useState(false);
  // A completed image opens its full-size compare from either thumbnail.
  const compare = image.outputUrl && image.width && image.height ? () => setComparing(true) : null;
  return (
    <tr
      data-testid="image-row"
      data-status={image.status}
      data-optimized={image.optimized === null ? undefined : String(image.optimized)}
      className="align-top"
    >
      <td className="py-3 pr-1 pl-4 text-slate-400 tabular-nums">{position}</td>
      <td className="px-1.5 py-3 sm:px-2">
        {image.thumbnailUrl ? (
          <CompareButton onClick={compare} label={`Compare image ${position} of ${productName} at full size`}>
            <ImageThumbnail
              src={image.thumbnailUrl}
              alt={`Original image ${position} of ${productName}`}
              testId="before-image"
            />
          </CompareButton>
        ) : (
          <ThumbnailPlaceholder
            tone="muted"
            testId="before-image-pending"
            label={
              image.status === "failed" || image.status === "cancelled"
                ? "No preview"
                : image.status === "processing"
                  ? "Working"
                  : "Waiting"
            }
          />
        )}
      </td>
      <td className="px-1.5 py-3 sm:px-2">
        <CompareButton onClick={compare} label={`Compare image ${position} of ${productName} at full size`}>
          <AfterThumbnail image={image} position={position} productName={productName} />
        </CompareButton>
        {comparing ? (
          <ImageCompare
            image={image}
            title={`Image ${position} of ${productName}`}
            onClose={() => setComparing(false)}
          />
        ) : null}
      </td>
      <td className="hidden px-2 py-3 sm:table-cell">
        <SizeText image={image} testId="image-size" />
      </td>
      <td className="min-w-0 py-3 pr-4 pl-2">
        <div className="space-y-1">
          <ResultText image={image} />
          {image.bytesIn !== null ? (
            <div className="text-xs text-slate-500 sm:hidden">
              <SizeText image={image} />
            </div>
          ) : null}
          <p className="max-w-[36rem] truncate text-xs text-slate-400" title={image.inputUrl}>
            {image.inputUrl}
          </p>
        </div>
      </td>
    </tr>
  );
}

function AfterThumbnail({
  image,
  position,
  productName,
}: {
  image: ImageStatus;
  position: number;
  productName: string;
}) {
  if (image.outputUrl) {
    // The service's small preview of the output; images processed before it existed show the output.
    return (
      <ImageThumbnail
        src={image.outputThumbnailUrl ?? image.outputUrl}
        alt={`Compressed image ${position} of ${productName}`}
        testId="after-image"
      />
    );
  }
  switch (image.status) {
    case "failed":
      return <ThumbnailPlaceholder tone="failed" label="Failed" />;
    case "cancelled":
      return <ThumbnailPlaceholder tone="muted" label="Cancelled" />;
    case "processing":
      return <ThumbnailPlaceholder tone="working" label="Working" spinning />;
    default:
      return <ThumbnailPlaceholder tone="muted" label="Waiting" />;
  }
}

/** A thumbnail that opens the compare when there is something to compare, else the thumbnail alone. */
function CompareButton({
  onClick,
  label,
  children,
}: {
  onClick: (() => void) | null;
  label: string;
  children: ReactNode;
}) {
  if (!onClick) return <>{children}</>;
  return (
    <button
      type="button"
      onClick={onClick}
      title={label}
      aria-label={label}
      data-testid="compare-open"
      className="block w-fit cursor-zoom-in rounded-md focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none"
    >
      {children}
    </button>
  );
}

function SizeText({ image, testId }: { image: ImageStatus; testId?: string }) {
  if (image.bytesIn === null) return <span className="text-slate-400">—</span>;
  const details = [image.format?.toUpperCase(), image.width && image.height ? `${image.width}×${image.height}` : null]
    .filter(Boolean)
    .join(" · ");
  return (
    <span className="block tabular-nums">
      <span data-testid={testId} className="whitespace-nowrap text-slate-700">
        {formatBytes(image.bytesIn)}
        {image.bytesOut !== null ? (
          <>
            {" "}
            <span aria-label="to">→</span> {formatBytes(image.bytesOut)}
          </>
        ) : null}
      </span>
      {details ? <span className="block text-xs text-slate-400">{details}</span> : null}
    </span>
  );
}

function ResultText({ image }: { image: ImageStatus }) {
  switch (image.status) {
    case "completed": {
      if (image.optimized === false) {
        return (
          <p data-testid="image-result" className="text-sm text-slate-600">
            Kept original (already optimal)
          </p>
        );
      }
      const ratio = savingRatio(image.bytesIn, image.bytesOut);
      // Larger only when the original could not stand (turned, or metadata that cannot be cut out).
      const larger = ratio !== null && ratio < 0;
      return (
        <p data-testid="image-result" className="text-sm">
          <span className={`font-semibold ${larger ? "text-amber-700" : "text-emerald-700"}`}>
            {formatSaving(larger ? -ratio : ratio)}
          </span>{" "}
          <span className="text-slate-600">{larger ? "larger, upright and without metadata" : "smaller"}</span>
          {image.reused ? (
            <span data-testid="image-reused" className="block text-xs text-slate-500">
              {/* A twin in this same upload (the same bytes at another URL) is not an earlier upload's. */}
              {image.sameAsRow === null ? "Reused from an earlier upload" : `Same image as row ${image.sameAsRow}`}
            </span>
          ) : null}
        </p>
      );
    }
    case "failed":
      return (
        <p data-testid="image-result" className="text-sm text-rose-700">
          <span className="font-semibold">Failed:</span>{" "}
          <span data-testid="image-error">{image.error ?? "unknown reason"}</span>
        </p>
      );
    case "cancelled":
      return (
        <p data-testid="image-result" className="text-sm text-slate-500">
          Not processed: the request was cancelled
        </p>
      );
    case "processing":
      return (
        <p data-testid="image-result" className="text-sm text-amber-800">
          Downloading and compressing…
          {image.error ? <span className="block text-xs text-amber-700">Retrying after: {image.error}</span> : null}
        </p>
      );
    default:
      return (
        <p data-testid="image-result" className="text-sm text-slate-500">
          Waiting in the queue
          {image.error ? <span className="block text-xs text-amber-700">Will retry: {image.error}</span> : null}
        </p>
      );
  }
}
