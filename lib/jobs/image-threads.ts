import "server-only";
// libvips cannot be unloaded: loaded on the main thread first, it outlives every image thread
// (sharp's documentation on worker threads).
import "sharp";
import { Worker } from "node:worker_threads";
import { databaseSocket } from "@/db/client";
import type { ClaimedImage } from "@/db/images";
import { config } from "@/lib/config";
import { processImageWorkGate } from "@/lib/images/image-work-gate";
import { logger } from "@/lib/logger";
import { fromSource, sourceThread } from "@/lib/threads";
import type { TrialOptions, TriedImage } from "@/lib/trial/trial-work";
import type { ImageWork } from "./image-work";
import { processSingleton } from "@/lib/process-singleton";

/**
 * The threads images are worked on: download, hash, compress, store (`image-work.ts`). The main
 * thread answers clients; per image it only posts the claimed image to a thread and takes back what
 * came of it, both as messages between its other events, so no run of images, however quick each
 * one fails, holds it. A process keeps as many cores busy as there are image threads to feed them.
 *
 * The image memory gate stays one per process: a thread asks the main thread's gate for its bytes
 * (`acquire`), and gives them back (`release`) when its image is done.
 */

export type ImageThreadData = { databaseSocket: string | null };

export type ToImageThread =
  | { type: "process"; id: number; image: ClaimedImage; maxAttempts: number }
  | { type: "try"; id: number; url: string; options: TrialOptions }
  | { type: "granted"; ticket: number };

export type FromImageThread =
  | { type: "downloaded"; id: number }
  | { type: "done"; id: number; work: ImageWork }
  | { type: "tried"; id: number; tried: TriedImage }
  | { type: "failed"; id: number; message: string }
  | { type: "acquire"; ticket: number; bytes: number }
  | { type: "release"; ticket: number };

/** An image posted to a thread: its result is an `ImageWork`, or a `TriedImage` for a trial. */
type Job = {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  downloaded: () => void;
};

class ImageThread {
  readonly jobs = new Map<number, Job>();
  /** Gate bytes this thread holds, by ticket: given back when it says so, or when it dies. */
  private readonly held = new Map<number, () => void>();
  private stopped = false;

  constructor(
    readonly worker: Worker,
    private readonly onStop: (thread: ImageThread) => void,
  ) {
    worker.unref();
    worker.on("message", (message: FromImageThread) => this.receive(message));
    worker.on("error", (error) => this.stop(error.message));
    worker.on("exit", (code) => this.stop(`exited with code ${code}`));
  }

  private receive(message: FromImageThread) {
    switch (message.type) {
      case "downloaded":
        this.jobs.get(message.id)?.downloaded();
        return;
      case "done":
        this.settle(message.id)?.resolve(message.work);
        return;
      case "tried":
        this.settle(message.id)?.resolve(message.tried);
        return;
      case "failed":
        this.settle(message.id)?.reject(new Error(message.message));
        return;
      case "acquire":
        void processImageWorkGate().run(
          message.bytes,
          () =>
            new Promise<void>((release) => {
              if (this.stopped) return release();
              this.held.set(message.ticket, release);
              this.post({ type: "granted", ticket: message.ticket });
            }),
        );
        return;
      case "release":
        this.held.get(message.ticket)?.();
        this.held.delete(message.ticket);
    }
  }

  post(message: ToImageThread) {
    this.worker.postMessage(message);
  }

  private settle(id: number): Job | undefined {
    const job = this.jobs.get(id);
    this.jobs.delete(id);
    return job;
  }

  /** A thread that died takes nothing with it: its gate bytes come back, its images are tried again. */
  private stop(reason: string) {
    if (this.stopped) return;
    this.stopped = true;
    if (this.jobs.size)
      logger.error({ reason, images: this.jobs.size }, "an image thread stopped; its images are tried again");
    for (const release of this.held.values()) release();
    this.held.clear();
    for (const job of this.jobs.values()) job.reject(new Error(`the image thread stopped (${reason})`));
    this.jobs.clear();
    this.onStop(this);
  }
}

export class ImageThreads {
  private readonly threads: ImageThread[] = [];
  private data: Promise<ImageThreadData> | null = null;
  private nextId = 1;

  constructor(private readonly size: number) {}

  /** Works on one claimed image on the least busy thread (see `workOnImage`). */
  async process(
    image: ClaimedImage,
    { maxAttempts, downloaded }: { maxAttempts: number; downloaded: () => void },
  ): Promise<ImageWork> {
    const thread = await this.leastBusy();
    const id = this.nextId++;
    return new Promise<ImageWork>((resolve, reject) => {
      thread.jobs.set(id, { resolve: resolve as Job["resolve"], reject, downloaded });
      thread.post({ type: "process", id, image, maxAttempts });
    });
  }

  /** Tries one image for a trial on the least busy thread (see `tryImage`): nothing is stored. */
  async tryImage(url: string, options: TrialOptions): Promise<TriedImage> {
    const thread = await this.leastBusy();
    const id = this.nextId++;
    return new Promise<TriedImage>((resolve, reject) => {
      thread.jobs.set(id, { resolve: resolve as Job["resolve"], reject, downloaded: () => {} });
      thread.post({ type: "try", id, url, options });
    });
  }

  private async leastBusy(): Promise<ImageThread> {
    if (this.threads.length < this.size) {
      this.data ??= databaseSocket().then(
        (databaseSocket) => ({ databaseSocket }),
        (error: unknown) => {
          this.data = null;
          throw error;
        },
      );
      const data = await this.data;
      // Started (again, after one died) all at once: a thread's first image pays its start-up.
      while (this.threads.length < this.size) this.threads.push(this.start(data));
    }
    return this.threads.reduce((best, thread) => (thread.jobs.size < best.jobs.size ? thread : best));
  }

  private start(data: ImageThreadData): ImageThread {
    const options = { workerData: data, name: "image thread" };
    const worker = fromSource(import.meta.url)
      ? sourceThread("./image-thread.ts", import.meta.url, options)
      : new Worker(new URL("./image-thread.ts", import.meta.url), options);
    return new ImageThread(worker, (stopped) => {
      const index = this.threads.indexOf(stopped);
      if (index >= 0) this.threads.splice(index, 1);
    });
  }
}

export function imageThreads(): ImageThreads {
  return processSingleton("image threads", () => new ImageThreads(config.jobs.imageThreads));
}
