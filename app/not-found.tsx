import type { Metadata } from "next";
import { NotFoundState } from "@/components/ui/not-found-state";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <NotFoundState
      title="We can't find that page"
      message="The address may be mistyped, or the page has moved. Start again from the dashboard."
    />
  );
}
