import type { ImageHost } from "../image-host";
import type { Figure } from "../report";

/** What every section gets: the shared image host (started on first use) and the run's options. */
export type SectionContext = {
  imageHost: () => Promise<ImageHost>;
  /** Start the throughput section's server under --cpu-prof and print its profile. */
  profile: boolean;
};

export type SectionResult = {
  figures: Figure[];
  /** Every number behind the figures, for --json. */
  details: Record<string, unknown>;
};

export type Section = {
  name: string;
  title: string;
  run: (context: SectionContext) => Promise<SectionResult>;
};
