"use client";

import { ErrorState } from "@/components/ui/error-state";

export default function RequestError({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <ErrorState
      error={error}
      retry={retry}
      title="This request could not be shown"
      message="Loading its progress failed. The images keep being processed in the background; try again in a moment."
    />
  );
}
