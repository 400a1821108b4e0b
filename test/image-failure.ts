import { expect } from "vitest";
import { ImageFailure } from "@/lib/errors";

/** The ImageFailure a compression ends in, checked to be permanent (an image that is not retried). */
export async function permanentFailureOf(promise: Promise<unknown>): Promise<ImageFailure> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ImageFailure);
  expect((error as ImageFailure).retryable).toBe(false);
  return error as ImageFailure;
}
