/** The API paths of a request, relative to the app's origin. */
export function requestLinks(requestId: string) {
  const id = encodeURIComponent(requestId);
  return { statusUrl: `/api/csv/status/${id}`, downloadUrl: `/api/csv/download/${id}` };
}

/** The files made from a finished request beside its output CSV: its failures report and its images ZIP. */
export function requestFileLinks(requestId: string) {
  const base = `/api/csv/requests/${encodeURIComponent(requestId)}`;
  return { failuresUrl: `${base}/failures.csv`, imagesZipUrl: `${base}/images.zip` };
}
