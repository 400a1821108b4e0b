import { config } from "@/lib/config";
import { judgeUrl } from "@/lib/fetch/address-guard";

/**
 * Why a webhook URL cannot be used, or null. A private address written in the URL is refused here;
 * a name that resolves to one is refused again when the call is made.
 */
export function problemWithWebhookUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not an absolute URL.`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "only http and https webhook URLs are supported.";
  if (url.username || url.password)
    return "the URL must not contain a user name or password; use WEBHOOK_SECRET signatures instead.";
  const verdict = judgeUrl(url, { allowHosts: config.fetch.allowHosts, allowPorts: config.fetch.allowPorts });
  return verdict.allowed ? null : verdict.reason;
}
