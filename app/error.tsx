"use client";

import { ErrorState } from "@/components/ui/error-state";

export default function Error({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <ErrorState
      error={error}
      retry={retry}
      title="Something went wrong"
      message="This page could not be loaded. Your uploads and their images are safe; try again in a moment."
    />
  );
}
