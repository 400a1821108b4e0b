/**
 * Which image the in-process runner works on next. Images are taken round-robin across owners,
 * then across each owner's requests, so a small request uploaded behind a big one finishes in about
 * the time it would alone. An image whose host already has `perHostLimit` downloads under way waits
 * and another is taken, so one slow or hostile host cannot hold every worker.
 *
 * The queue only holds a page of each request's images at a time; `wantsMore` says which requests
 * should be given their next page (`supply`). It keeps no state the database does not have.
 */

export type QueuedImage = { id: number; requestId: string; position: number; url: string };

type RequestLine<T> = {
  requestId: string;
  owner: string;
  images: T[];
  /** The last position handed over by a page: the next page starts after it. */
  cursor: number;
  /** Every image after `cursor` has been handed over: no page is left to ask for. */
  drained: boolean;
  /** A page has been asked for and has not arrived. */
  asked: boolean;
};

export class FairQueue<T extends QueuedImage> {
  private readonly lines = new Map<string, RequestLine<T>>();
  /** Owners in turn; each owner's requests in turn. */
  private readonly owners: string[] = [];
  private readonly requestsOf = new Map<string, string[]>();
  private readonly hostsInUse = new Map<string, number>();

  constructor(
    private readonly perHostLimit: number,
    /** Images a request keeps on hand; below half of it, the next page is wanted. */
    private readonly pageSize: number,
  ) {}

  /** A request whose unfinished images are to be worked on. Adding it again changes nothing. */
  add(requestId: string, owner: string) {
    if (this.lines.has(requestId)) return;
    this.lines.set(requestId, { requestId, owner, images: [], cursor: -1, drained: false, asked: false });
    const requests = this.requestsOf.get(owner);
    if (requests) requests.push(requestId);
    else {
      this.requestsOf.set(owner, [requestId]);
      this.owners.push(owner);
    }
  }

  /** Requests that should be given their next page of images, each asked for once until it arrives. */
  wantsMore(): { requestId: string; afterPosition: number; limit: number }[] {
    const wanted = [];
    for (const line of this.lines.values()) {
      if (line.drained || line.asked || line.images.length > this.pageSize / 2) continue;
      line.asked = true;
      wanted.push({ requestId: line.requestId, afterPosition: line.cursor, limit: this.pageSize });
    }
    return wanted;
  }

  /** A page of images arrived; fewer than asked for means the request has none left after them. */
  supply(requestId: string, images: T[], limit: number) {
    const line = this.lines.get(requestId);
    if (!line) return;
    line.asked = false;
    line.images.push(...images);
    if (images.length > 0) line.cursor = Math.max(line.cursor, images[images.length - 1].position);
    if (images.length < limit) line.drained = true;
    this.dropIfDone(line);
  }

  /** The page asked for could not be had (the database failed): it may be asked for again. */
  notSupplied(requestId: string) {
    const line = this.lines.get(requestId);
    if (line) line.asked = false;
  }

  /**
   * An image to work on again (a retry that is due), ahead of its request's others. A request the
   * queue had finished with comes back with this image only: its other waiting images are retries
   * with timers of their own.
   */
  putBack(image: T, owner: string) {
    if (!this.lines.has(image.requestId)) {
      this.add(image.requestId, owner);
      this.lines.get(image.requestId)!.drained = true;
    }
    this.lines.get(image.requestId)!.images.unshift(image);
  }

  /**
   * The next image to work on, or null when none can start now (nothing on hand, or every waiting
   * image's host is busy). Its host counts as busy until `done`.
   */
  take(): T | null {
    for (let turn = 0; turn < this.owners.length; turn++) {
      const owner = this.owners.shift()!;
      this.owners.push(owner);
      const requests = this.requestsOf.get(owner)!;
      for (let inner = 0; inner < requests.length; inner++) {
        const requestId = requests.shift()!;
        requests.push(requestId);
        const image = this.takeFrom(this.lines.get(requestId)!);
        if (image) return image;
      }
    }
    return null;
  }

  /** The image's download is over (whatever came of it): its host may take another. */
  done(image: T) {
    const host = hostOf(image.url);
    const inUse = (this.hostsInUse.get(host) ?? 1) - 1;
    if (inUse > 0) this.hostsInUse.set(host, inUse);
    else this.hostsInUse.delete(host);
  }

  /** Removes a request (cancelled, deleted) and hands back the images it had on hand. */
  /** Whose turn a queued request takes (undefined when it is not queued). */
  ownerOf(requestId: string): string | undefined {
    return this.lines.get(requestId)?.owner;
  }

  remove(requestId: string): T[] {
    const line = this.lines.get(requestId);
    if (!line) return [];
    this.forget(line);
    return line.images;
  }

  /** Every image on hand, not started (for a shutdown to put back), and empties the queue. */
  drain(): T[] {
    const images = [...this.lines.values()].flatMap((line) => line.images);
    for (const line of [...this.lines.values()]) this.forget(line);
    return images;
  }

  get isEmpty(): boolean {
    return this.lines.size === 0;
  }

  private takeFrom(line: RequestLine<T>): T | null {
    const index = line.images.findIndex((image) => (this.hostsInUse.get(hostOf(image.url)) ?? 0) < this.perHostLimit);
    if (index === -1) return null;
    const [image] = line.images.splice(index, 1);
    const host = hostOf(image.url);
    this.hostsInUse.set(host, (this.hostsInUse.get(host) ?? 0) + 1);
    this.dropIfDone(line);
    return image;
  }

  private dropIfDone(line: RequestLine<T>) {
    if (line.drained && !line.asked && line.images.length === 0) this.forget(line);
  }

  private forget(line: RequestLine<T>) {
    this.lines.delete(line.requestId);
    const requests = this.requestsOf.get(line.owner)!;
    requests.splice(requests.indexOf(line.requestId), 1);
    if (requests.length === 0) {
      this.requestsOf.delete(line.owner);
      this.owners.splice(this.owners.indexOf(line.owner), 1);
    }
  }
}

/** Host and port: two services on one machine are two hosts to be polite to. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
