/** The shapes the API returns and the dashboard shows. Field names are a contract with existing clients. */

export type RequestState = "processing" | "completed" | "failed";
export type ImageState = "pending" | "processing" | "completed" | "failed";
export type WebhookState = "pending" | "delivered" | "failed";

export type Progress = {
  totalImages: number;
  processedImages: number;
  failedImages: number;
  /** Finished images (processed or failed) out of all, 0-100. */
  percent: number;
};

export type ImageStatus = {
  inputUrl: string;
  outputUrl: string | null;
  status: ImageState;
  error: string | null;
  bytesIn: number | null;
  bytesOut: number | null;
  /** False when re-encoding did not make the file smaller and the original bytes were kept. */
  optimized: boolean | null;
  format: string | null;
  width: number | null;
  height: number | null;
};

export type ProductStatus = {
  serialNumber: string;
  productName: string;
  rowNumber: number;
  images: ImageStatus[];
};

export type WebhookStatus = {
  /** Null when the request uses the service's default webhook (WEBHOOK_URL), which is not shown. */
  url: string | null;
  status: WebhookState;
  attempts: number;
  lastError: string | null;
  deliveredAt: string | null;
};

export type Pagination = { page: number; pageSize: number; totalItems: number; totalPages: number };

export type RequestStatus = {
  status: RequestState;
  requestId: string;
  fileName: string;
  quality: number;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  error: string | null;
  progress: Progress;
  /** Sum over completed images; a saving of 1 - bytesOut / bytesIn. */
  totals: { bytesIn: number; bytesOut: number };
  totalProducts: number;
  products: ProductStatus[];
  pagination: Pagination;
  webhook: WebhookStatus | null;
  statusUrl: string;
  downloadUrl: string;
};

export type RequestSummary = {
  requestId: string;
  fileName: string;
  status: RequestState;
  createdAt: string;
  completedAt: string | null;
  totalProducts: number;
  progress: Progress;
  totals: { bytesIn: number; bytesOut: number };
  statusUrl: string;
  downloadUrl: string;
};

export type RequestList = { requests: RequestSummary[]; pagination: Pagination };

export type UploadAccepted = {
  isValid: true;
  requestId: string;
  status: "processing";
  uploadedToS3: { status: "uploaded"; uploadedFilename: string; location: string };
  products: number;
  images: number;
  uniqueImages: number;
  quality: number;
  webhookUrl: string | null;
  statusUrl: string;
  downloadUrl: string;
};

export type UploadRejected = {
  isValid: false;
  error: string;
  errors: { row: number | null; column: string | null; message: string }[];
  errorCount: number;
};
