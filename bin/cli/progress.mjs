// @ts-check

/**
 * @typedef {{ totalImages: number, processedImages: number, failedImages: number, cancelledImages: number, percent: number }} Progress
 */

/**
 * Progress on a terminal: one line redrawn in place, a bar sized to the window. Anywhere else (a
 * pipe, a CI log, a file) plain lines, one each time another tenth is done, so a log stays short.
 */
export class ProgressReport {
  /** @type {number} */
  #lastTenth = -1;
  #drawn = false;
  #started = Date.now();

  /** @param {NodeJS.WriteStream} out */
  constructor(out) {
    this.out = out;
    this.interactive = Boolean(out.isTTY);
  }

  /** @param {Progress} progress */
  update(progress) {
    const finished = progress.processedImages + progress.failedImages + progress.cancelledImages;
    const counts = `${count(finished)}/${count(progress.totalImages)} images${progress.failedImages ? `, ${count(progress.failedImages)} failed` : ""}`;
    if (this.interactive) {
      const seconds = Math.round((Date.now() - this.#started) / 1000);
      const text = ` ${String(progress.percent).padStart(3)}%  ${counts}  ${seconds} s`;
      const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - text.length - 3));
      const full = Math.round((progress.percent / 100) * width);
      this.out.write(`\r[${"█".repeat(full)}${"░".repeat(width - full)}]${text}\x1b[K`);
      this.#drawn = true;
      return;
    }
    const tenth = Math.floor(progress.percent / 10);
    if (tenth === this.#lastTenth) return;
    this.#lastTenth = tenth;
    this.out.write(`Processing: ${progress.percent}% (${counts})\n`);
  }

  /** Ends the bar's line, so what is printed next starts on its own. */
  end() {
    if (this.#drawn) this.out.write("\n");
    this.#drawn = false;
  }
}

/** @param {number} value */
export function count(value) {
  return value.toLocaleString("en-US");
}
