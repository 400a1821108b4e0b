import { compressImageFunction } from "./compress-image";
import { fanOutImages } from "./fan-out-images";
import { finishRequestFunction } from "./finish-request";

/** Every Inngest function of the service, as handed to `serve()`. */
export const functions = [fanOutImages, compressImageFunction, finishRequestFunction];
