export type CsvFormat = { delimiter: string; newline: string };

/** A quote problem in `records[record]`. */
export type CsvQuoteProblem = { record: number; kind: "stray" | "unclosed" };

export type CsvRecords = {
  records: string[][];
  problems: CsvQuoteProblem[];
  /** Where the text not yet read begins: the start of an unfinished last record, or the end. */
  cursor: number;
};

const QUOTE = '"';
/** What `String.prototype.trim` removes. */
const SPACE = /\s/;

/**
 * Splits CSV text into records the way papaparse's parser does, with the same quote problems, in time
 * linear in the text whatever it holds. (papaparse looks again at every space before the next
 * delimiter for each stray quote in a quoted cell: a 10 MB cell of stray quotes and spaces costs it
 * hours of CPU.)
 *
 * A field that starts with `"` is quoted and `""` inside it is one quote; spaces may follow the
 * closing quote before the delimiter or line end. Any other quote in a quoted field is kept as text and
 * reported (`stray`). A quoted field still open at the end takes the rest of the text as written
 * (`unclosed`). A quote inside an unquoted field is text. The text after the last line end is a record
 * of its own (one empty field when the text ends with a line end).
 *
 * With `more`, the last record may not be complete: it is left for later, problems and all.
 *
 * With `spans`, each record's fields are also located in the text as written, quotes and all:
 * `spans[record]` holds `start, end` offsets for each field in turn, so a writer can replace one
 * field and copy every other byte as it was.
 */
export function splitCsvRecords(
  text: string,
  { delimiter, newline }: CsvFormat,
  more: boolean,
  spans?: number[][],
): CsvRecords {
  const records: string[][] = [];
  const problems: CsvQuoteProblem[] = [];
  let row: string[] = [];
  let rowSpans: number[] = [];
  let fieldStart = 0;
  let rowProblems: CsvQuoteProblem[] = [];
  let recordStart = 0;
  let cursor = 0;
  // The next delimiter and line end at or after `cursor` (-1: none), each searched for once.
  let nextDelimiter = text.indexOf(delimiter);
  let nextNewline = text.indexOf(newline);

  const moveTo = (position: number) => {
    cursor = position;
    if (nextDelimiter !== -1 && nextDelimiter < cursor) nextDelimiter = text.indexOf(delimiter, cursor);
    if (nextNewline !== -1 && nextNewline < cursor) nextNewline = text.indexOf(newline, cursor);
  };
  const field = (value: string, end: number) => {
    row.push(value);
    if (spans) rowSpans.push(fieldStart, end);
  };
  const endRecord = (next: number) => {
    records.push(row);
    if (spans) spans.push(rowSpans);
    for (const problem of rowProblems) problems.push(problem);
    row = [];
    rowSpans = [];
    rowProblems = [];
    recordStart = next;
    moveTo(next);
  };
  /** The rest of the text is the last field of the last record. */
  const finish = (value: string): CsvRecords => {
    if (more) return { records, problems, cursor: recordStart };
    field(value, text.length);
    endRecord(text.length);
    return { records, problems, cursor: text.length };
  };

  if (text === "") return { records, problems, cursor: 0 };
  for (;;) {
    fieldStart = cursor;
    if (text[cursor] === QUOTE) {
      const start = cursor + 1;
      let quote = cursor;
      for (;;) {
        quote = text.indexOf(QUOTE, quote + 1);
        if (quote === -1) {
          rowProblems.push({ record: records.length, kind: "unclosed" });
          return finish(text.slice(start));
        }
        if (quote === text.length - 1) return finish(unescapeQuotes(text.slice(start, quote)));
        if (text[quote + 1] === QUOTE) {
          quote++;
          continue;
        }
        // Spaces after a quote are looked at once: they end at text that is not a space, and the
        // next quote is searched for after them.
        let after = quote + 1;
        while (
          after < text.length &&
          !text.startsWith(delimiter, after) &&
          !text.startsWith(newline, after) &&
          SPACE.test(text[after])
        )
          after++;
        if (text.startsWith(delimiter, after)) {
          field(unescapeQuotes(text.slice(start, quote)), after);
          moveTo(after + delimiter.length);
          break;
        }
        if (text.startsWith(newline, after)) {
          field(unescapeQuotes(text.slice(start, quote)), after);
          endRecord(after + newline.length);
          break;
        }
        rowProblems.push({ record: records.length, kind: "stray" });
      }
      continue;
    }
    if (nextDelimiter !== -1 && (nextNewline === -1 || nextDelimiter < nextNewline)) {
      field(text.slice(cursor, nextDelimiter), nextDelimiter);
      moveTo(nextDelimiter + delimiter.length);
    } else if (nextNewline !== -1) {
      field(text.slice(cursor, nextNewline), nextNewline);
      endRecord(nextNewline + newline.length);
    } else {
      return finish(text.slice(cursor));
    }
  }
}

function unescapeQuotes(value: string): string {
  return value.replace(/""/g, QUOTE);
}
