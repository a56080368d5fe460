/**
 * The endpoint of a SQL statement: its verb and the main table (`SELECT users`, `INSERT orders`, `BEGIN`). A cheap
 * token scan, not a parser: comments and leading parentheses are skipped, identifiers unquoted; `WITH … SELECT`
 * keeps `WITH`. Anything unrecognised gives the verb alone, so the endpoint's cardinality stays bounded.
 */
const MAX_SCAN = 2048;
const MAX_IDENT = 64;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;
}

function isWordChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x24;
}

class Scanner {
  i = 0;
  constructor(readonly s: string) {}

  skip(): void {
    const s = this.s;
    const end = Math.min(s.length, MAX_SCAN);
    while (this.i < end) {
      const c = s.charCodeAt(this.i);
      if (isSpace(c) || c === 0x28 /* ( */ || c === 0x3b /* ; */) this.i++;
      else if (c === 0x2d && s.charCodeAt(this.i + 1) === 0x2d) {
        const nl = s.indexOf('\n', this.i);
        this.i = nl < 0 ? end : nl + 1;
      } else if (c === 0x2f && s.charCodeAt(this.i + 1) === 0x2a) {
        const close = s.indexOf('*/', this.i + 2);
        this.i = close < 0 ? end : close + 2;
      } else break;
    }
  }

  word(): string {
    this.skip();
    const s = this.s;
    const start = this.i;
    while (this.i < s.length && this.i - start < MAX_IDENT && isWordChar(s.charCodeAt(this.i))) this.i++;
    return s.slice(start, this.i).toUpperCase();
  }

  /** A possibly quoted, possibly schema-qualified identifier; '' when none. */
  identifier(): string {
    this.skip();
    const s = this.s;
    let out = '';
    for (let part = 0; part < 3; part++) {
      const c = s.charCodeAt(this.i);
      let name = '';
      if (c === 0x22 || c === 0x60 || c === 0x5b) {
        const close = c === 0x5b ? ']' : String.fromCharCode(c);
        const end = s.indexOf(close, this.i + 1);
        if (end < 0 || end - this.i > MAX_IDENT) return out;
        name = s.slice(this.i + 1, end);
        this.i = end + 1;
      } else {
        const start = this.i;
        while (this.i < s.length && this.i - start < MAX_IDENT && isWordChar(s.charCodeAt(this.i))) this.i++;
        name = s.slice(start, this.i);
      }
      if (name === '') return out;
      out = out === '' ? name : `${out}.${name}`;
      if (s.charCodeAt(this.i) !== 0x2e) return out;
      this.i++;
    }
    return out;
  }

  /** Advances past the next occurrence of keyword `kw` (upper case) as a whole word; false when absent. */
  seek(kw: string): boolean {
    const s = this.s;
    const end = Math.min(s.length, MAX_SCAN);
    while (this.i < end) {
      this.skip();
      const c = s.charCodeAt(this.i);
      if (c === 0x27 /* ' */) {
        const close = s.indexOf("'", this.i + 1);
        this.i = close < 0 ? end : close + 1;
        continue;
      }
      if (!isWordChar(c)) {
        this.i++;
        continue;
      }
      if (this.word() === kw) return true;
    }
    return false;
  }
}

const TABLE_AFTER: Record<string, string> = {
  SELECT: 'FROM',
  DELETE: 'FROM',
  INSERT: 'INTO',
  REPLACE: 'INTO',
  COPY: '',
  UPDATE: '',
  TRUNCATE: '',
};

export function sqlVerb(sql: string): string {
  return new Scanner(sql).word();
}

export function sqlEndpoint(sql: string): string {
  const sc = new Scanner(sql);
  const verb = sc.word();
  if (verb === '') return '';
  const kw = TABLE_AFTER[verb];
  if (kw === undefined) {
    // DDL keeps its object kind: CREATE TABLE, DROP INDEX.
    if (verb === 'CREATE' || verb === 'DROP' || verb === 'ALTER') {
      const kind = sc.word();
      return kind === '' ? verb : `${verb} ${kind}`;
    }
    return verb;
  }
  if (kw !== '' && !sc.seek(kw)) return verb;
  if (verb === 'TRUNCATE') {
    const save = sc.i;
    if (sc.word() !== 'TABLE') sc.i = save;
  }
  const table = sc.identifier();
  return table === '' ? verb : `${verb} ${table}`;
}
