import "server-only";
import {
  type ClaimedImage,
  claimImages,
  claimRequestImages,
  type ImageOutcome,
  releaseAbandonedImages,
  releaseImages,
} from "@/db/images";
import { listProcessingRequests, listRequestsAwaitingFinish } from "@/db/requests";
import { listRequestsAwaitingWebhook } from "@/db/webhooks";
import {
  type Cancelled,
  cancelLeftoverImages,
  cancelRequestRow,
  listUnclosedCancelledRequestIds,
} from "@/db/request-lifecycle";
import { config } from "@/lib/config";
import { logger } from "@/lib/logger";
import { deleteExpiredRequests, findLostWork } from "@/lib/jobs/sweep";
import { closeWithoutOutputCsv, finishRequest } from "@/lib/jobs/finish-request";
import { processImage, recordImages } from "@/lib/jobs/process-image";
import { attemptWebhook } from "@/lib/webhooks/deliver-webhook";
import { FairQueue } from "./fair-queue";
import type { JobRunner } from "./job-runner";
import { ourFailureDelay, retryDelay, retryPolicy } from "./retry-policy";
import { type RequestForWork, workOwner } from "./work-owner";
import { processSingleton } from "@/lib/process-singleton";

const SWEEP_EVERY_MS = 60 * 60 * 1000;
/**
 * Outcomes are written together: one statement per this many, or per this long, whichever is first.
 * Nobody waits on an outcome but the counters, and status is allowed to lag by a second anyway.
 */
const OUTCOMES_PER_WRITE = 32;
const CLAIM_PAGE = 64;
const OUTCOME_WRITE_DELAY_MS = 200;

export type InlineRunnerOptions = {
  concurrency: number;
  perHostConcurrency: number;
  maxAttempts?: number;
};

/**
 * The in-process runner: a bounded number of workers inside the server, fed by a fair queue.
 * It only schedules; every step is a domain function. State lives in the database, so `start()`
 * resumes every unfinished image, unclosed request and undelivered webhook after a crash or restart,
 * and `stop()` finishes what it can within a deadline and leaves the rest for the next start.
 *
 * Database work is batched: images are claimed a page per request at a time, and outcomes are
 * written many per statement, so the database costs a fraction of a statement per image.
 */
export class InlineRunner implements JobRunner {
  readonly name = "inline" as const;
  private readonly queue: FairQueue<ClaimedImage>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly running = new Map<number, ClaimedImage>();
  private outcomes: ImageOutcome[] = [];
  /** Requests cancelled while this process had their images claimed: what comes back of them is cancelled too. */
  private readonly cancelled = new Set<string>();
  private writeTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: InlineRunnerOptions) {
    // Claims come a page per request at a time, not one by one. A claim's cost is mostly its own (on
    // PGlite, 3.8 ms for 16 images and 4.1 ms for 64 on a 50,000-image request): pages of 64 at least.
    this.queue = new FairQueue(options.perHostConcurrency, Math.max(CLAIM_PAGE, options.concurrency * 4));
  }

  health() {
    return this.stopping ? { ok: false, error: "shutting down" } : { ok: true };
  }

  async start(): Promise<void> {
    const abandoned = await releaseAbandonedImages();
    // The images a cancelled request had under way died with the last process: they never finish.
    for (const requestId of await listUnclosedCancelledRequestIds()) await cancelLeftoverImages(requestId, "all");
    const [processing, unclosed, webhooks] = await Promise.all([
      listProcessingRequests(),
      listRequestsAwaitingFinish(),
      listRequestsAwaitingWebhook(),
    ]);
    if (processing.length || unclosed.length || webhooks.length) {
      logger.info(
        {
          requests: processing.length,
          abandonedImages: abandoned,
          requestsToClose: unclosed.length,
          webhooks: webhooks.length,
        },
        "resuming unfinished work",
      );
    }
    for (const request of processing) this.queue.add(request.id, workOwner(request));
    for (const requestId of unclosed) this.track(this.finish(requestId, 1));
    for (const requestId of webhooks) this.track(this.notify(requestId));
    this.pump();
    this.sweepTimer = setInterval(() => void this.sweep(new Date()), SWEEP_EVERY_MS);
    this.sweepTimer.unref();
  }

  /**
   * Retention and lost work (`lib/jobs/sweep.ts`), hourly; `now` is the clock it goes by. In this
   * process little work can be lost, but a request closed by nobody or left out of the queue by a bug
   * is picked up here rather than never.
   */
  async sweep(now: Date): Promise<void> {
    if (this.stopping) return;
    try {
      await deleteExpiredRequests(now);
      const lost = await findLostWork(now);
      for (const request of lost.toResume) this.queue.add(request.id, workOwner(request));
      for (const requestId of lost.toFinish) this.track(this.finish(requestId, 1));
      this.pump();
    } catch (error) {
      logger.error({ err: error }, "the sweep failed; it runs again in an hour");
    }
  }

  async requestAccepted(request: RequestForWork): Promise<void> {
    if (this.stopping) throw new Error("the server is shutting down");
    this.cancelled.delete(request.id);
    this.queue.add(request.id, workOwner(request));
    this.pump();
  }

  async cancel(requestId: string): Promise<Cancelled | null> {
    // Taken off the queue before anything is awaited: no worker starts one of its images after this.
    this.cancelled.add(requestId);
    const owner = this.queue.ownerOf(requestId);
    const unstarted = this.queue.remove(requestId);
    let result: Cancelled | null;
    try {
      result = await cancelRequestRow(
        requestId,
        unstarted.map((image) => image.id),
      );
    } catch (error) {
      // Nothing changed in the database: the request goes on as if never cancelled.
      this.cancelled.delete(requestId);
      await this.putBackUnstarted(unstarted);
      if (owner !== undefined) this.queue.add(requestId, owner);
      this.pump();
      throw error;
    }
    if (!result) this.cancelled.delete(requestId);
    else if (result.requestFinished) this.track(this.finish(requestId, 1));
    this.checkIdle();
    return result;
  }

  /** Resolves when nothing is queued, running, waiting for a retry or being written (tests, shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking work, lets the images under way finish until `graceMs` has passed, writes what they
   * came to, and puts every image not finished back in line for the next start (its attempt not
   * counted). Pending retries and webhooks are picked up by the next start as well.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const unstarted = this.queue.drain();
    const deadline = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), graceMs).unref());
    const settled = Promise.allSettled([...this.tasks]).then(() => "done" as const);
    const result = await Promise.race([settled, deadline]);
    await this.writeOutcomes().catch((error) => logger.error({ err: error }, "writing outcomes at shutdown failed"));
    const left = [...unstarted, ...(result === "late" ? this.running.values() : [])];
    await this.putBackUnstarted(left);
    logger.info({ finishedInTime: result === "done", putBack: left.length }, "runner stopped");
  }

  private pump() {
    if (this.stopping) return;
    for (const { requestId, afterPosition, limit } of this.queue.wantsMore()) {
      this.track(
        claimRequestImages({ requestId, afterPosition, limit }).then(
          async (images) => {
            // Claimed while stopping: straight back in line for the next start.
            if (this.stopping) {
              await this.putBackUnstarted(images);
              return;
            }
            // Claimed just before its request was cancelled: these never start.
            if (this.cancelled.has(requestId)) {
              await this.cancelClaimed(
                requestId,
                images.map((image) => image.id),
              );
              return;
            }
            this.queue.supply(requestId, images, limit);
            this.pump();
          },
          (error) => {
            // The database failed: ask for this request's images again later rather than drop it.
            logger.error({ err: error, requestId }, "claiming images failed; trying again later");
            this.later(ourFailureDelay(), () => {
              this.queue.notSupplied(requestId);
              this.pump();
            });
          },
        ),
      );
    }
    while (this.running.size < this.options.concurrency) {
      const image = this.queue.take();
      if (!image) break;
      this.running.set(image.id, image);
      this.track(this.work(image));
    }
    this.checkIdle();
  }

  private async work(image: ClaimedImage) {
    let outcome: ImageOutcome | null = null;
    // The host's download slot is given back as soon as its server has answered, not when the image
    // is finished: compressing or copying it does not load the host.
    let hostReleased = false;
    const releaseHost = () => {
      if (hostReleased) return;
      hostReleased = true;
      this.queue.done(image);
      this.pump();
    };
    try {
      const work = await processImage(image, { maxAttempts: this.options.maxAttempts, downloaded: releaseHost });
      if (work.kind === "retry") {
        await releaseImages([work.release]);
        this.later(work.delayMs, () => this.track(this.retry(image)));
      } else {
        outcome = work.outcome;
      }
    } catch (error) {
      // The database itself failed: try the image again later rather than lose it.
      logger.error({ err: error, requestId: image.requestId, imageId: image.id }, "image attempt failed on our side");
      this.later(ourFailureDelay(), () => this.track(this.retry(image)));
    } finally {
      this.running.delete(image.id);
      releaseHost();
      if (outcome) {
        this.outcomes.push(outcome);
        this.scheduleWrite();
      }
      this.pump();
    }
  }

  /** Images claimed but never started go back in line; the attempt does not count against them. */
  private putBackUnstarted(images: ClaimedImage[]) {
    return releaseImages(images.map((image) => ({ imageId: image.id, error: null, uncount: true })));
  }

  private async cancelClaimed(requestId: string, imageIds: number[]) {
    try {
      const { requestFinished } = await cancelLeftoverImages(requestId, imageIds);
      if (requestFinished) this.track(this.finish(requestId, 1));
    } catch (error) {
      // The sweep cancels what is left of a cancelled request once it has been quiet for an hour.
      logger.error({ err: error, requestId }, "cancelling the images of a cancelled request failed");
    }
  }

  private async retry(image: ClaimedImage) {
    const [claimed] = await claimImages([image.id]).catch(() => [] as ClaimedImage[]);
    if (claimed && this.cancelled.has(claimed.requestId)) {
      // Claimed while its request was being cancelled: it never starts.
      await this.cancelClaimed(claimed.requestId, [claimed.id]);
    } else if (claimed) {
      this.queue.putBack(claimed, claimed.requestId);
    } else {
      // Not claimable: finished, or its request was cancelled while it waited for this retry. In the
      // second case it is cancelled now, and may be the image its request was waiting for.
      await this.cancelClaimed(image.requestId, []);
    }
    this.pump();
  }

  /** Soon, or at once when enough have gathered or no other image is under way to wait for. */
  private scheduleWrite() {
    if (this.outcomes.length >= OUTCOMES_PER_WRITE || this.running.size === 0) {
      this.track(this.writeOutcomes());
    } else {
      this.writeTimer ??= setTimeout(() => {
        this.writeTimer = null;
        this.track(this.writeOutcomes());
      }, OUTCOME_WRITE_DELAY_MS);
    }
  }

  /** Writes the outcomes gathered so far in one statement, then finishes the requests they completed. */
  private async writeOutcomes() {
    if (this.writeTimer) clearTimeout(this.writeTimer);
    this.writeTimer = null;
    const batch = this.outcomes;
    this.outcomes = [];
    if (batch.length === 0) return;
    try {
      const counted = await recordImages(batch);
      const finished = new Set(
        counted.filter((outcome) => outcome.requestFinished).map((outcome) => outcome.requestId),
      );
      for (const requestId of finished) this.track(this.finish(requestId, 1));
    } catch (error) {
      // Nothing was written: the images stay processing in the database; try them again later.
      logger.error({ err: error, images: batch.length }, "writing image outcomes failed; retrying");
      this.later(ourFailureDelay(), () => {
        this.outcomes.push(...batch);
        this.scheduleWrite();
      });
    }
  }

  private async finish(requestId: string, attempt: number): Promise<void> {
    try {
      if (await finishRequest(requestId)) await this.notify(requestId);
    } catch (error) {
      logger.error({ err: error, requestId, attempt }, "finishing the request failed");
      if (attempt < retryPolicy.finishAttempts) {
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
    if (this.stopping) return;
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
    return (
      this.queue.isEmpty &&
      this.running.size === 0 &&
      this.timers.size === 0 &&
      this.tasks.size === 0 &&
      this.outcomes.length === 0
    );
  }

  private checkIdle() {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

export function getInlineRunner(): InlineRunner {
  return processSingleton(
    "inline runner",
    () =>
      new InlineRunner({ concurrency: config.jobs.concurrency, perHostConcurrency: config.jobs.perHostConcurrency }),
  );
}
