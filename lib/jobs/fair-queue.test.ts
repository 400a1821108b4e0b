import { describe, expect, it } from "vitest";
import { FairQueue, type QueuedImage } from "./fair-queue";

function images(requestId: string, count: number, host = "shop.test", from = 0): QueuedImage[] {
  return Array.from({ length: count }, (_, i) => ({
    id: Number(`${requestId.charCodeAt(0)}${from + i}`),
    requestId,
    position: from + i,
    url: `https://${host}/${requestId}/${from + i}.jpg`,
  }));
}

/** Takes until nothing can start, marking each download done at once. */
function takeAll(queue: FairQueue<QueuedImage>): string[] {
  const taken = [];
  for (let image = queue.take(); image; image = queue.take()) {
    taken.push(`${image.requestId}${image.position}`);
    queue.done(image);
  }
  return taken;
}

describe("FairQueue", () => {
  it("takes images round-robin across requests, so a small request is not stuck behind a big one", () => {
    const queue = new FairQueue<QueuedImage>(10, 8);
    queue.add("a", "a");
    queue.add("b", "b");
    expect(queue.wantsMore()).toEqual([
      { requestId: "a", afterPosition: -1, limit: 8 },
      { requestId: "b", afterPosition: -1, limit: 8 },
    ]);
    queue.supply("a", images("a", 8, "a.test"), 8);
    queue.supply("b", images("b", 2, "b.test"), 8);
    expect(takeAll(queue)).toEqual(["a0", "b0", "a1", "b1", "a2", "a3", "a4", "a5", "a6", "a7"]);
  });

  it("takes round-robin across owners first: an owner with many requests gets no more turns", () => {
    const queue = new FairQueue<QueuedImage>(10, 8);
    for (const request of ["a", "b", "c"]) {
      queue.add(request, "busy-owner");
      queue.wantsMore();
      queue.supply(request, images(request, 2, `${request}.test`), 8);
    }
    queue.add("z", "other-owner");
    queue.wantsMore();
    queue.supply("z", images("z", 3, "z.test"), 8);
    expect(takeAll(queue).slice(0, 6)).toEqual(["a0", "z0", "b0", "z1", "c0", "z2"]);
  });

  it("keeps at most perHostLimit downloads per host under way and takes other hosts' images meanwhile", () => {
    const queue = new FairQueue<QueuedImage>(2, 8);
    queue.add("slow", "slow");
    queue.add("fast", "fast");
    queue.wantsMore();
    queue.supply("slow", images("slow", 5, "slow.test"), 8);
    queue.supply("fast", images("fast", 3, "fast.test"), 8);
    const name = (image: QueuedImage | null) => image && `${image.requestId}${image.position}`;
    const started = [queue.take(), queue.take(), queue.take(), queue.take()];
    expect(started.map(name)).toEqual(["slow0", "fast0", "slow1", "fast1"]);
    // Both hosts are at their limit. The fast host's download ends: only its next image can start.
    queue.done(started[1]!);
    expect(name(queue.take())).toBe("fast2");
    expect(queue.take()).toBeNull();
    // The slow host's download ends: its next image starts.
    queue.done(started[0]!);
    expect(name(queue.take())).toBe("slow2");
  });

  it("asks for a request's next page when its images run low, from after the last position handed over", () => {
    const queue = new FairQueue<QueuedImage>(10, 4);
    queue.add("a", "a");
    queue.wantsMore();
    expect(queue.wantsMore()).toEqual([]);
    queue.supply("a", images("a", 4), 4);
    queue.take();
    expect(queue.wantsMore()).toEqual([]);
    queue.take();
    expect(queue.wantsMore()).toEqual([{ requestId: "a", afterPosition: 3, limit: 4 }]);
    // A short page: nothing after it; once its images are taken, the request leaves the queue.
    queue.supply("a", images("a", 1, "shop.test", 4), 4);
    expect(takeAll(queue)).toEqual(["a2", "a3", "a4"]);
    expect(queue.isEmpty).toBe(true);
    expect(queue.wantsMore()).toEqual([]);
  });

  it("puts a retry in front of its request's others, and back in the queue after it was done with", () => {
    const queue = new FairQueue<QueuedImage>(10, 8);
    queue.add("a", "a");
    queue.wantsMore();
    queue.supply("a", images("a", 2), 8);
    queue.putBack(images("a", 1, "shop.test", 7)[0], "a");
    expect(takeAll(queue)).toEqual(["a7", "a0", "a1"]);
    expect(queue.isEmpty).toBe(true);
    queue.putBack(images("a", 1, "shop.test", 9)[0], "a");
    // Only the retry: the request's other waiting images are retries with timers of their own.
    expect(queue.wantsMore()).toEqual([]);
    expect(takeAll(queue)).toEqual(["a9"]);
  });

  it("hands back what it holds when a request is removed or the queue is drained", () => {
    const queue = new FairQueue<QueuedImage>(10, 8);
    queue.add("a", "a");
    queue.add("b", "b");
    queue.wantsMore();
    queue.supply("a", images("a", 3), 8);
    queue.supply("b", images("b", 2), 8);
    expect(queue.remove("a").map((image) => image.position)).toEqual([0, 1, 2]);
    expect(queue.drain().map((image) => `${image.requestId}${image.position}`)).toEqual(["b0", "b1"]);
    expect(queue.isEmpty).toBe(true);
  });
});
