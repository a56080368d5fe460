/**
 * A small block-style YAML emitter for the manifests this module generates. It only writes, never parses, and
 * every scalar it cannot write plainly is written as a JSON string — JSON strings are YAML double-quoted scalars —
 * so the output reads the same in YAML 1.1 (PyYAML, older kubectl) and 1.2 parsers. Tests parse it back.
 */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

/** Strings a YAML 1.1 parser would read as something else (booleans, null) even though they look plain. */
const RESERVED = /^(y|yes|n|no|true|false|on|off|null)$/i;
/** Plain scalars: start with a letter, `_` or `/`, then no indicator characters, no spaces. */
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
/** Characters YAML does not allow raw in a stream, or treats as line breaks (YAML 1.1), escaped as \uXXXX. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters to escape
const UNPRINTABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/g;
const LITERAL_LINE = /^[\x20-\x7e]*$/;

function quoted(s: string): string {
  return JSON.stringify(s).replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function scalarString(s: string): string {
  return PLAIN.test(s) && !RESERVED.test(s) ? s : quoted(s);
}

function number(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`YAML: ${n} is not a finite number`);
  if (Object.is(n, -0)) return '0';
  const s = String(n);
  if (Number.isInteger(n) && !/e/.test(s)) return s;
  // YAML 1.1 floats need a dot, and an exponent needs a sign: 1e+21 → 1.0e+21.
  const [mantissa, exponent] = s.split('e') as [string, string | undefined];
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return exponent === undefined ? m : `${m}e${/^[+-]/.test(exponent) ? exponent : `+${exponent}`}`;
}

/** Multi-line printable text as a literal block (`|` or `|-`), which keeps shell scripts readable. */
function literalBlock(s: string, indent: number): string | undefined {
  if (!s.includes('\n') || s.endsWith('\n\n')) return undefined;
  const body = s.endsWith('\n') ? s.slice(0, -1) : s;
  const lines = body.split('\n');
  if (lines[0] === '' || lines[0]?.startsWith(' ')) return undefined;
  if (!lines.every((l) => LITERAL_LINE.test(l) && !/ $/.test(l))) return undefined;
  const pad = ' '.repeat(indent);
  return `${s.endsWith('\n') ? '|' : '|-'}\n${lines.map((l) => (l === '' ? '' : pad + l)).join('\n')}`;
}

function isCollection(v: YamlValue): v is YamlValue[] | { [key: string]: YamlValue } {
  return typeof v === 'object' && v !== null;
}

function isEmpty(v: YamlValue[] | { [key: string]: YamlValue }): boolean {
  return Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
}

function inline(v: YamlValue, indent: number): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return number(v);
  if (typeof v === 'string') return literalBlock(v, indent) ?? scalarString(v);
  return Array.isArray(v) ? '[]' : '{}';
}

/** Lines of `v` as a block at `indent` spaces (v is a non-empty collection). */
function block(v: YamlValue[] | { [key: string]: YamlValue }, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isCollection(item) && !isEmpty(item)) {
        // `- ` takes the place of the first two spaces of the item's own first line.
        const lines = block(item, indent + 2);
        out.push(`${pad}- ${(lines[0] as string).slice(indent + 2)}`, ...lines.slice(1));
      } else {
        out.push(`${pad}- ${inline(item, indent + 2)}`);
      }
    }
    return out;
  }
  for (const [key, value] of Object.entries(v)) {
    const k = scalarString(key);
    if (isCollection(value) && !isEmpty(value)) {
      out.push(`${pad}${k}:`, ...block(value, indent + 2));
    } else {
      out.push(`${pad}${k}: ${inline(value, indent + 2)}`);
    }
  }
  return out;
}

/** One YAML document. */
export function toYaml(value: YamlValue): string {
  if (isCollection(value) && !isEmpty(value)) return `${block(value, 0).join('\n')}\n`;
  return `${inline(value, 2)}\n`;
}

/** Several documents in one stream, separated by `---` (what `kubectl apply -f` reads). */
export function toYamlDocuments(docs: YamlValue[]): string {
  return docs.map((d) => `---\n${toYaml(d)}`).join('');
}
