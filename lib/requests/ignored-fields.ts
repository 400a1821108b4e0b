import { UPLOAD_FIELD_NAMES } from "./read-upload";

/** Ignored fields named in an upload's answer, at most: a form of many is not a typo to point at. */
const MAX_NAMED = 10;

/**
 * What the upload's answer says of form fields it does not read: a misspelt option ("qualty") would
 * otherwise leave its default in place without a word. The upload still goes ahead: a client may send
 * fields of its own.
 */
export function ignoredFieldWarnings(names: string[]): string[] {
  return [...new Set(names)].slice(0, MAX_NAMED).map((name) => {
    const meant = closestField(name);
    return `The form field "${name}" is not one an upload reads and was ignored${meant ? ` (did you mean "${meant}"?)` : ""}.`;
  });
}

/** The upload field a name most likely meant: the same but for case and separators, or one or two letters off. */
function closestField(name: string): string | null {
  const plain = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");
  const wanted = plain(name);
  let best: { field: string; distance: number } | null = null;
  for (const field of UPLOAD_FIELD_NAMES) {
    const distance = editDistance(wanted, plain(field));
    if (distance <= 2 && (!best || distance < best.distance)) best = { field, distance };
  }
  return best?.field ?? null;
}

/** Levenshtein distance: the fewest single-letter insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
