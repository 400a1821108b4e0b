import { parentPort, workerData } from "node:worker_threads";
import { provideConfiguredDatabase } from "@/lib/database/provide-database";
import { replaceImageWorkGate } from "@/lib/images/image-work-gate";
import { nameThisThread } from "@/lib/threads";
import { tryImage } from "@/lib/trial/trial-work";
import type { FromImageThread, ImageThreadData, ToImageThread } from "./image-threads";
import { workOnImage } from "./image-work";

/** An image thread (see `image-threads.ts`): works on the images the main thread posts to it. */

nameThisThread("csv-images");
const port = parentPort!;
const post = (message: FromImageThread) => port.postMessage(message);

const { databaseSocket } = workerData as ImageThreadData;
provideConfiguredDatabase({ embeddedSocket: databaseSocket });

// The process's memory gate is the main thread's: a ticket is granted there, then given back here.
const granted = new Map<number, () => void>();
let nextTicket = 1;
replaceImageWorkGate({
  async run(bytes, work) {
    const ticket = nextTicket++;
    await new Promise<void>((resolve) => {
      granted.set(ticket, resolve);
      post({ type: "acquire", ticket, bytes });
    });
    try {
      return await work();
    } finally {
      post({ type: "release", ticket });
    }
  },
});

port.on("message", (message: ToImageThread) => {
  if (message.type === "granted") {
    granted.get(message.ticket)?.();
    granted.delete(message.ticket);
    return;
  }
  if (message.type === "try") {
    const { id, url, options } = message;
    void tryImage(url, options).then((tried) => post({ type: "tried", id, tried }));
    return;
  }
  const { id, image, maxAttempts } = message;
  workOnImage(image, { maxAttempts, downloaded: () => post({ type: "downloaded", id }) }).then(
    (work) => post({ type: "done", id, work }),
    (error: unknown) => post({ type: "failed", id, message: error instanceof Error ? error.message : String(error) }),
  );
});
