import { statfs } from "node:fs/promises";
import { formatBytes } from "./format";

/**
 * What is wrong when the disk holding `folder` has less room than `minBytes`, else null. A full disk
 * fails uploads and images halfway (and can stop the embedded database), so health says so first.
 * `folderName` names the folder by its setting, never by its path: health answers are public.
 */
export async function lowDiskSpace(folder: string, minBytes: number, folderName: string): Promise<string | null> {
  if (minBytes <= 0) return null;
  // What `df` shows as available: blocks the file system reserves for root are not counted.
  const { bavail, bsize } = await statfs(folder);
  const free = bavail * bsize;
  if (free >= minBytes) return null;
  return `only ${formatBytes(free)} free on the disk of ${folderName}; at least ${formatBytes(minBytes)} is needed (MIN_FREE_DISK_BYTES)`;
}
