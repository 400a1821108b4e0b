"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { UploadAccepted, UploadRejected } from "@/lib/requests/types";

export type UploadProblem = { row: number | null; column: string | null; message: string };

export type UploadState =
  | { phase: "idle" }
  /** `loaded`/`total` in bytes; total is 0 until the browser knows it. */
  | { phase: "uploading"; loaded: number; total: number }
  /** All bytes sent; the server is validating and storing the file. */
  | { phase: "processing" }
  | { phase: "accepted"; response: UploadAccepted }
  | { phase: "rejected"; status: number; message: string; errors: UploadProblem[]; errorCount: number };

export type UploadInput = { file: File; quality?: string; webhookUrl?: string };

/**
 * Sends the CSV with XMLHttpRequest rather than fetch: only XHR reports upload progress, which is what
 * a seller with a large file on a slow line wants to see.
 */
export function useCsvUpload({ onAccepted }: { onAccepted: (response: UploadAccepted) => void }) {
  const [state, setState] = useState<UploadState>({ phase: "idle" });
  const request = useRef<XMLHttpRequest | null>(null);
  const accepted = useRef(onAccepted);
  useEffect(() => {
    accepted.current = onAccepted;
  }, [onAccepted]);
  useEffect(() => () => request.current?.abort(), []);

  const upload = useCallback(({ file, quality, webhookUrl }: UploadInput) => {
    request.current?.abort();
    const form = new FormData();
    form.append("file", file, file.name);
    if (quality?.trim()) form.append("quality", quality.trim());
    if (webhookUrl?.trim()) form.append("webhookUrl", webhookUrl.trim());

    const xhr = new XMLHttpRequest();
    request.current = xhr;
    xhr.open("POST", "/api/csv/upload");
    xhr.responseType = "text";
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (event) => {
      setState({ phase: "uploading", loaded: event.loaded, total: event.lengthComputable ? event.total : 0 });
    };
    xhr.upload.onload = () => setState({ phase: "processing" });
    xhr.onload = () => {
      request.current = null;
      const body = parseJson(xhr.responseText);
      if (xhr.status === 202 && body && typeof body === "object" && "requestId" in body) {
        const response = body as UploadAccepted;
        setState({ phase: "accepted", response });
        accepted.current(response);
        return;
      }
      setState(rejection(xhr.status, body));
    };
    xhr.onerror = () => {
      request.current = null;
      setState({
        phase: "rejected",
        status: 0,
        message: "The upload did not reach the server. Check your connection and try again.",
        errors: [],
        errorCount: 0,
      });
    };
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => setState({ phase: "idle" });
    setState({ phase: "uploading", loaded: 0, total: file.size });
    xhr.send(form);
  }, []);

  const cancel = useCallback(() => {
    request.current?.abort();
    request.current = null;
  }, []);

  const reset = useCallback(() => {
    request.current?.abort();
    request.current = null;
    setState({ phase: "idle" });
  }, []);

  return { state, upload, cancel, reset };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function rejection(status: number, body: unknown): UploadState {
  const data = (body && typeof body === "object" ? body : {}) as Partial<UploadRejected> & { error?: string };
  const errors = Array.isArray(data.errors) ? data.errors : [];
  const fallback: Record<number, string> = {
    413: "The file is too large for the server.",
    415: "The server could not read this file as CSV text.",
  };
  return {
    phase: "rejected",
    status,
    message:
      data.error ??
      fallback[status] ??
      (status >= 500
        ? "Something went wrong on our side. Please try again in a minute."
        : `The server refused the upload (HTTP ${status}).`),
    errors,
    errorCount: typeof data.errorCount === "number" ? data.errorCount : errors.length,
  };
}
