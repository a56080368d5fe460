/**
 * A strict RFC 4180 CSV reader (no CSV library is installed in this repository). Strict because an import is a
 * user's document and a silently misread quote would shift every column after it: a quote inside an unquoted field,
 * text after a closing quote, or an unterminated quoted field is an error naming the line and column.
 *
 * Accepted beyond the RFC, as spreadsheet exports need: LF or CR alone as line breaks, a UTF-8 byte order mark, no
 * final line break.
 */

export interface CsvRecord {
  /** 1-based physical line where the record starts (quoted fields may span lines). */
  line: number;
  fields: string[];
}

export interface CsvLimits {
  maxRecords: number;
  maxFields: number;
  maxFieldLength: number;
}

export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
    /** Set when a limit, not the syntax, was the problem. */
    readonly limit?: keyof CsvLimits,
  ) {
    super(`line ${line}, column ${column}: ${message}`);
    this.name = 'CsvSyntaxError';
  }
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

export function parseCsv(text: string, limits: CsvLimits): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  let line = 1;
  let lineStart = i;
  if (i >= n) return records;

  let fields: string[] = [];
  let recordLine = line;
  for (;;) {
    // At the start of a field.
    let value: string;
    const column = i - lineStart + 1;
    if (text.charCodeAt(i) === QUOTE) {
      const openLine = line;
      let out = '';
      let from = ++i;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new CsvSyntaxError('quoted field is not closed', openLine, column);
        // Track line breaks inside the quoted text so later errors name the right line.
        for (let k = i; k < q; k++) {
          const c = text.charCodeAt(k);
          if (c === LF || (c === CR && text.charCodeAt(k + 1) !== LF)) {
            line++;
            lineStart = k + 1;
          }
        }
        if (text.charCodeAt(q + 1) === QUOTE) {
          out += text.slice(from, q + 1);
          i = q + 2;
          from = i;
          continue;
        }
        out += text.slice(from, q);
        i = q + 1;
        break;
      }
      value = out;
      const next = i < n ? text.charCodeAt(i) : -1;
      if (next !== -1 && next !== COMMA && next !== LF && next !== CR) {
        throw new CsvSyntaxError(
          'text after a closing quote (a quote inside a field must be doubled)',
          line,
          i - lineStart + 1,
        );
      }
    } else {
      const start = i;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === COMMA || c === LF || c === CR) break;
        if (c === QUOTE) {
          throw new CsvSyntaxError(
            'quote inside an unquoted field (quote the whole field and double the quote)',
            line,
            i - lineStart + 1,
          );
        }
        i++;
      }
      value = text.slice(start, i);
    }
    if (value.length > limits.maxFieldLength) {
      throw new CsvSyntaxError(`field longer than ${limits.maxFieldLength} characters`, line, column, 'maxFieldLength');
    }
    fields.push(value);
    if (fields.length > limits.maxFields)
      throw new CsvSyntaxError(`more than ${limits.maxFields} fields`, line, column, 'maxFields');

    if (i >= n) {
      records.push({ line: recordLine, fields });
      if (records.length > limits.maxRecords)
        throw new CsvSyntaxError(`more than ${limits.maxRecords} records`, recordLine, 1, 'maxRecords');
      return records;
    }
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      i++;
      continue;
    }
    // A line break ends the record.
    i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
    line++;
    lineStart = i;
    records.push({ line: recordLine, fields });
    if (records.length > limits.maxRecords)
      throw new CsvSyntaxError(`more than ${limits.maxRecords} records`, recordLine, 1, 'maxRecords');
    if (i >= n) return records;
    fields = [];
    recordLine = line;
  }
}

/** The RFC 4180 text of one record (quoting only where needed); used by tests and by exports. */
export function formatCsvRecord(fields: readonly string[]): string {
  return fields.map((f) => (/[",\r\n]/.test(f) || f === '' ? `"${f.replaceAll('"', '""')}"` : f)).join(',');
}
