/**
 * Where a bucket's objects are fetched from when the bucket is public: `<base>/<encoded key>`.
 * Kept apart from the S3 client so that pages (their Content-Security-Policy) can name the images'
 * origin without loading the AWS SDK.
 */
export function s3ObjectUrlBase(settings: {
  bucket: string;
  region: string;
  forcePathStyle: boolean;
  endpoint?: string;
  publicBaseUrl?: string;
}): string {
  if (settings.publicBaseUrl) return settings.publicBaseUrl.replace(/\/+$/, "");
  const { bucket, region, forcePathStyle } = settings;
  const endpoint = settings.endpoint?.replace(/\/+$/, "");
  if (endpoint) {
    if (forcePathStyle) return `${endpoint}/${encodeURIComponent(bucket)}`;
    const url = new URL(endpoint);
    return `${url.protocol}//${bucket}.${url.host}${url.pathname.replace(/\/+$/, "")}`;
  }
  // A bucket name with dots breaks the TLS wildcard certificate of virtual-hosted URLs: use path style.
  if (forcePathStyle || bucket.includes(".")) return `https://s3.${region}.amazonaws.com/${encodeURIComponent(bucket)}`;
  return `https://${bucket}.s3.${region}.amazonaws.com`;
}
