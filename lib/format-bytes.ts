/** A size as messages to sellers write it: "25 MB", "1.5 KB", "512 bytes". */
export function formatBytes(bytes: number): string {
  const units: Array<[number, string]> = [
    [1024 * 1024 * 1024, "GB"],
    [1024 * 1024, "MB"],
    [1024, "KB"],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) return `${oneDecimal(bytes / size)} ${unit}`;
  }
  return `${bytes} bytes`;
}

function oneDecimal(value: number): string {
  return String(Math.round(value * 10) / 10);
}
