"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { ErrorMessage, type Problem, UploadAccepted, UploadRejected } from "@/lib/contract";
import { UNEXPECTED_ANSWER } from "@/components/api/client";

export type UploadState =
  | { phase: "idle" }
  /** `loaded`/`total` in bytes; total is 0 until the browser knows it. */
  | { phase: "uploading"; loaded: number; total: number }
  /** All bytes sent; the server is validating and storing the file. */
  | { phase: "processing" }
  | { phase: "accepted"; response: UploadAccepted }
  | { phase: "rejected"; status: number; message: string; errors: Problem[]; errorCount: number };

/** The upload is under way or just answered: the form waits. */
export function isUnderWay(
  state: UploadState,
): state is Extract<UploadState, { phase: "uploading" | "processing" | "accepted" }> {
  return state.phase === "uploading" || state.phase === "processing" || state.phase === "accepted";
}

export type UploadInput = {
  file: File;
  quality?: string;
  webhookUrl?: string;
  format?: string;
  maxWidth?: string;
  maxHeight?: string;
  /** Target size of each output, in bytes. */
  maxBytes?: string;
  idColumn?: string;
  nameColumn?: string;
  /** Sent as one `imageColumns` field each. */
  imageColumns?: string[];
};

/**
 * Sends the CSV with XMLHttpRequest rather than fetch: only XHR reports upload progress, which is what
 * a seller with a large file on a slow line wants to see.
 */
export function useCsvUpload({ onAccepted }: { onAccepted: (response: UploadAccepted) => void }) {
  const [state, setState] = useState<UploadState>({ phase: "idle" });
  const request = useRef<XMLHttpRequest | null>(null);
  const onAcceptedRef = useRef(onAccepted);
  useEffect(() => {
    onAcceptedRef.current = onAccepted;
  }, [onAccepted]);
  useEffect(() => () => request.current?.abort(), []);

  const upload = useCallback(({ file, ...fields }: UploadInput) => {
    request.current?.abort();
    const form = new FormData();
    // Empty fields are left out: the server's defaults apply. Fields go first: the server reads a
    // column mapping sent before the file as the file arrives.
    for (const [name, value] of Object.entries(fields))
      for (const one of [value ?? []].flat()) if (one.trim()) form.append(name, one.trim());
    form.append("file", file, file.name);

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
      if (xhr.status !== 202) {
        setState(rejection(xhr.status, body));
        return;
      }
      const accepted = UploadAccepted.safeParse(body);
      if (!accepted.success) {
        setState({ phase: "rejected", status: xhr.status, message: UNEXPECTED_ANSWER, errors: [], errorCount: 0 });
        return;
      }
      setState({ phase: "accepted", response: accepted.data });
      onAcceptedRef.current(accepted.data);
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
  const rejected = UploadRejected.safeParse(body);
  if (rejected.success) {
    const { error, errors, errorCount } = rejected.data;
    return { phase: "rejected", status, message: error, errors, errorCount };
  }
  const plain = ErrorMessage.safeParse(body);
  const fallback: Record<number, string> = {
    413: "The file is too large for the server.",
    415: "The server could not read this file as CSV text.",
  };
  const message = plain.success
    ? plain.data.error
    : (fallback[status] ??
      (status >= 500
        ? "Something went wrong on our side. Please try again in a minute."
        : `The server refused the upload (HTTP ${status}).`));
  return { phase: "rejected", status, message, errors: [], errorCount: 0 };
}
