import "server-only";
import { listRequestsAwaitingFinish, listRequestsAwaitingWebhook, listUnfinishedImageIds } from "@/db/queries";
import { config } from "@/lib/config";
import { closeWithoutOutputCsv, finishRequest } from "@/lib/processing/finish-request";
import { attemptWebhook } from "@/lib/webhooks/deliver-webhook";
import { retryDelay } from "@/lib/processing/backoff";
import type { JobRunner } from "./job-runner";
import { attemptImage } from "@/lib/processing/process-image";
import { logger } from "@/lib/logger";

const FINISH_ATTEMPTS = 5;

/**
 * The in-process runner: a queue of image ids worked on by a bounded number of workers inside the
 * server. It only schedules; every step is a domain function. State lives in the database, so on
 * start-up `start()` picks up every unfinished image, unclosed request and undelivered webhook.
 */
export class InlineRunner implements JobRunner {
  readonly name = "inline" as const;
  private readonly queue: number[] = [];
  /** Queued or running: an image is never worked on twice at once. */
  private readonly pending = new Set<number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly tasks = new Set<Promise<unknown>>();
  private active = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly concurrency: number) {}

  health() {
    return { ok: true };
  }

  async requestAccepted(requestId: string): Promise<void> {
    this.enqueue(await listUnfinishedImageIds({ requestId }));
  }

  async start(): Promise<void> {
    const [imageIds, unclosed, webhooks] = await Promise.all([
      listUnfinishedImageIds(),
      listRequestsAwaitingFinish(),
      listRequestsAwaitingWebhook(),
    ]);
    if (imageIds.length || unclosed.length || webhooks.length) {
      logger.info(
        { images: imageIds.length, requestsToClose: unclosed.length, webhooks: webhooks.length },
        "resuming unfinished work",
      );
    }
    this.enqueue(imageIds);
    for (const requestId of unclosed) this.track(this.finish(requestId, 1));
    for (const requestId of webhooks) this.track(this.notify(requestId));
  }

  /** Resolves when nothing is queued, running or waiting for a retry (tests and shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(imageIds: number[]) {
    for (const id of imageIds) {
      if (this.pending.has(id)) continue;
      this.pending.add(id);
      this.queue.push(id);
    }
    this.pump();
  }

  private pump() {
    while (this.active < this.concurrency && this.queue.length > 0) {
      const id = this.queue.shift()!;
      this.active++;
      this.track(
        this.work(id).finally(() => {
          this.active--;
          this.pump();
        }),
      );
    }
    this.checkIdle();
  }

  private async work(imageId: number) {
    try {
      const outcome = await attemptImage(imageId);
      if (outcome.kind === "retry") {
        this.later(outcome.delayMs, () => {
          this.pending.delete(imageId);
          this.enqueue([imageId]);
        });
        return;
      }
      this.pending.delete(imageId);
      if (outcome.kind !== "skipped" && outcome.requestFinished) await this.finish(outcome.requestId, 1);
    } catch (error) {
      // The database itself failed: try the image again later rather than lose it.
      logger.error({ err: error, imageId }, "image attempt failed on our side; trying again later");
      this.later(retryDelay(3), () => {
        this.pending.delete(imageId);
        this.enqueue([imageId]);
      });
    }
  }

  private async finish(requestId: string, attempt: number): Promise<void> {
    try {
      if (await finishRequest(requestId)) await this.notify(requestId);
    } catch (error) {
      logger.error({ err: error, requestId, attempt }, "finishing the request failed");
      if (attempt < FINISH_ATTEMPTS) {
        this.later(retryDelay(attempt), () => this.track(this.finish(requestId, attempt + 1)));
      } else if (await closeWithoutOutputCsv(requestId).catch(() => false)) {
        await this.notify(requestId);
      }
    }
  }

  private async notify(requestId: string): Promise<void> {
    try {
      const outcome = await attemptWebhook(requestId);
      if (outcome.kind === "retry") this.later(outcome.delayMs, () => this.track(this.notify(requestId)));
    } catch (error) {
      logger.error({ err: error, requestId }, "webhook delivery failed on our side");
    }
  }

  private later(delayMs: number, run: () => void) {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
      this.checkIdle();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private track(task: Promise<unknown>) {
    this.tasks.add(task);
    void task.finally(() => {
      this.tasks.delete(task);
      this.checkIdle();
    });
  }

  private isIdle() {
    return this.queue.length === 0 && this.active === 0 && this.timers.size === 0 && this.tasks.size === 0;
  }

  private checkIdle() {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

// One runner per server process, even when Next.js loads this module in several bundles.
const globalForRunner = globalThis as typeof globalThis & { __csvImageRunner?: InlineRunner };

export function getInlineRunner(): InlineRunner {
  globalForRunner.__csvImageRunner ??= new InlineRunner(config.jobs.concurrency);
  return globalForRunner.__csvImageRunner;
}
