import type { Metadata } from "next";
import { NotFoundState } from "@/components/ui/not-found-state";

export const metadata: Metadata = { title: "Request not found" };

export default function RequestNotFound() {
  return (
    <NotFoundState
      title="We can't find that request"
      message="There is no upload with this request id. Check the link, or open the request from the list of recent uploads."
    />
  );
}
