/** The API paths of a request, relative to the app's origin. */
export function requestLinks(requestId: string) {
  const id = encodeURIComponent(requestId);
  return { statusUrl: `/api/csv/status/${id}`, downloadUrl: `/api/csv/download/${id}` };
}
