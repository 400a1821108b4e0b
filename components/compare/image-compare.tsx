"use client";

import type { ImageStatus } from "@/lib/contract";
import { formatBytes, formatSaving, savingRatio } from "@/lib/format";
import { CompareDialog } from "./compare-dialog";

/**
 * The full-size compare of a processed image of a request. The before (`originalPreviewUrl`) is the
 * original kept by the service, its metadata stripped, or a copy of it at the output's size: the
 * uploader's URL is never shown to a visitor's browser. Images processed before the before existed
 * have only the small preview, drawn at the output's size, and the compare says so.
 */
export function ImageCompare({ image, title, onClose }: { image: ImageStatus; title: string; onClose: () => void }) {
  if (!image.outputUrl || !image.width || !image.height) return null;
  const before = image.originalPreviewUrl ?? image.thumbnailUrl;
  const ratio = savingRatio(image.bytesIn, image.bytesOut);
  return (
    <CompareDialog
      title={title}
      summary={
        <>
          <span data-testid="compare-sizes" className="tabular-nums">
            {formatBytes(image.bytesIn)} → {formatBytes(image.bytesOut)}
            {ratio !== null ? ` (${formatSaving(Math.abs(ratio))} ${ratio < 0 ? "larger" : "smaller"})` : ""}
          </span>{" "}
          · {image.format?.toUpperCase()} · {image.width}×{image.height} ·{" "}
          <a
            href={image.outputUrl}
            target="_blank"
            rel="noopener noreferrer"
            className="font-medium text-indigo-700 underline underline-offset-2"
          >
            Open the output
          </a>
        </>
      }
      before={{ src: before ?? image.outputUrl, label: "Original" }}
      after={{ src: image.outputUrl, label: "Compressed" }}
      width={image.width}
      height={image.height}
      note={
        image.originalPreviewUrl
          ? null
          : before
            ? "Only a small preview of this original was kept (for images processed before full-size copies existed, or with COMPARE_PREVIEW_MAX_SIDE=0), so the left side is blurred."
            : "No preview of this original was kept."
      }
      onClose={onClose}
    />
  );
}
