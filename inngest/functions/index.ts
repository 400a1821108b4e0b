import { imageJob } from "./image-job";
import { fanOutJob } from "./fan-out-job";
import { finishJob } from "./finish-job";
import { sweepJob } from "./sweep-job";

/** Every Inngest function of the service, as handed to `serve()`. */
export const functions = [fanOutJob, imageJob, finishJob, sweepJob];
