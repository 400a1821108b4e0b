"use client";

import { useCallback, useState } from "react";

const SIZE = 64;

/**
 * A plain lazy <img> of a stored image (not next/image: the files are already small, and on S3 they
 * are not this app's to optimise); a picture that fails to load becomes a labelled placeholder.
 */
export function ImageThumbnail({
  src,
  alt,
  testId,
  href,
}: {
  src: string;
  alt: string;
  testId: string;
  href?: string;
}) {
  const [broken, setBroken] = useState(false);
  // An image that failed before React hydrated never reports its error event; look at it directly.
  const checkLoaded = useCallback((element: HTMLImageElement | null) => {
    if (element?.complete && element.naturalWidth === 0) setBroken(true);
  }, []);
  if (broken) {
    return <ThumbnailPlaceholder tone="muted" testId={`${testId}-unavailable`} label="No preview" />;
  }
  const image = (
    // eslint-disable-next-line @next/next/no-img-element
    <img
      ref={checkLoaded}
      src={src}
      alt={alt}
      width={SIZE}
      height={SIZE}
      loading="lazy"
      decoding="async"
      referrerPolicy="no-referrer"
      data-testid={testId}
      onError={() => setBroken(true)}
      className="size-14 rounded-md bg-slate-100 object-cover ring-1 ring-slate-200 sm:size-16"
    />
  );
  return href ? (
    <a
      href={href}
      target="_blank"
      rel="noopener noreferrer"
      className="block w-fit rounded-md"
      title="Open full size in a new tab"
    >
      {image}
    </a>
  ) : (
    image
  );
}

export function ThumbnailPlaceholder({
  label,
  tone,
  testId,
  spinning = false,
}: {
  label: string;
  tone: "muted" | "failed" | "working";
  testId?: string;
  spinning?: boolean;
}) {
  const tones = {
    muted: "bg-slate-100 text-slate-500 ring-slate-200",
    failed: "bg-rose-50 text-rose-700 ring-rose-200",
    working: "bg-amber-50 text-amber-800 ring-amber-200",
  };
  return (
    <span
      data-testid={testId}
      className={`grid size-14 place-items-center rounded-md text-center text-[10px] leading-tight font-medium ring-1 sm:size-16 ${tones[tone]}`}
    >
      <span className="flex flex-col items-center gap-1 px-1">
        {spinning ? (
          <span
            aria-hidden="true"
            className="size-3 animate-spin rounded-full border-2 border-current border-t-transparent"
          />
        ) : null}
        {label}
      </span>
    </span>
  );
}
