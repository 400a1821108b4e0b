/** What the upload route needs from a runner; it never knows which runner does the work. */
export interface JobRunner {
  readonly name: "inline" | "inngest";
  /** Starts work on a request that was just stored. */
  requestAccepted(requestId: string): Promise<void>;
}
