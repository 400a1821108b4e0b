import { config } from "@/lib/config";
import { processSingleton, replaceProcessSingleton } from "@/lib/process-singleton";

/**
 * How much image work runs at once in this process, whichever runner started it.
 *
 * Memory is counted in bytes, not in images: what an encode holds, the decoded image (width × height
 * × channels × bytes per channel × frames) times its output format's working memory
 * (`image-formats.ts`), so one 16-bit RGBA photo of 50 MP counts as much as a hundred thumbnails.
 * Work waits for its bytes instead of the server growing without bound. CPU is counted in slots: sharp runs on
 * libuv's thread pool, and more images at once than it has threads only makes each one slower.
 * Waiting work starts in arrival order, so a large image is never passed over for ever by small ones.
 */
export class ImageWorkGate {
  private bytesInUse = 0;
  private running = 0;
  private peakBytes = 0;
  private readonly waiting: { bytes: number; start: () => void }[] = [];

  constructor(
    readonly budgetBytes: number,
    readonly slots: number,
  ) {}

  async run<T>(bytes: number, work: () => Promise<T>): Promise<T> {
    // An image larger than the whole budget (allowed by a higher decode limit) runs alone.
    const reserved = Math.min(bytes, this.budgetBytes);
    await this.acquire(reserved);
    try {
      return await work();
    } finally {
      this.bytesInUse -= reserved;
      this.running--;
      this.admit();
    }
  }

  /** The gate's own accounting: what is reserved now, the most ever reserved, and who waits. */
  get usage() {
    return {
      bytesInUse: this.bytesInUse,
      peakBytes: this.peakBytes,
      running: this.running,
      waiting: this.waiting.length,
    };
  }

  private acquire(bytes: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push({ bytes, start: resolve });
      this.admit();
    });
  }

  private admit() {
    while (this.waiting.length > 0) {
      const next = this.waiting[0];
      if (this.running >= this.slots || this.bytesInUse + next.bytes > this.budgetBytes) return;
      this.waiting.shift();
      this.running++;
      this.bytesInUse += next.bytes;
      this.peakBytes = Math.max(this.peakBytes, this.bytesInUse);
      next.start();
    }
  }
}

/** What image work asks of the gate; in an image thread, a stand-in that asks the main thread's gate. */
export type WorkGate = Pick<ImageWorkGate, "run">;

export function imageWorkGate(): WorkGate {
  return processSingleton<WorkGate>(
    "image work gate",
    () => new ImageWorkGate(config.images.memoryBudgetBytes, config.images.cpuSlots),
  );
}

/** The gate of the process, owned by the main thread (only ever a real gate there). */
export function processImageWorkGate(): ImageWorkGate {
  const gate = imageWorkGate();
  if (!(gate instanceof ImageWorkGate)) throw new Error("the process's image work gate lives on the main thread");
  return gate;
}

/** An image thread's stand-in for the process's gate (`lib/jobs/image-thread.ts`). */
export function replaceImageWorkGate(gate: WorkGate) {
  replaceProcessSingleton("image work gate", gate);
}
