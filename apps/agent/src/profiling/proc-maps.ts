/** One executable mapping of /proc/<pid>/maps. */
export interface ExecMapping {
  start: number;
  end: number;
  /** File offset of `start`. */
  offset: number;
  /** Device and inode as printed ("fd:01", 1234): identify the file across processes. */
  dev: string;
  inode: number;
  /** '' for anonymous memory (JIT code); `[vdso]`-style names for special mappings. */
  path: string;
  deleted: boolean;
}

const LINE =
  /^([0-9a-f]{1,16})-([0-9a-f]{1,16}) ([r-])([w-])([x-])([ps]) ([0-9a-f]{1,16}) ([0-9a-f]{1,8}:[0-9a-f]{1,8}) (\d{1,20}) *(.*)$/;
/** Lines kept at most: a process has a few thousand mappings; a runaway one must not cost unbounded memory. */
export const MAX_MAPPINGS = 65_536;

function hex(s: string): number | null {
  // 13 hex digits = 52 bits: user-space addresses (47 or 56 bits) beyond that are not representable exactly.
  if (s.length > 13) return null;
  return Number.parseInt(s, 16);
}

/**
 * The executable mappings of a `/proc/<pid>/maps` text, sorted by start. Malformed lines are skipped: the file is
 * the kernel's, but the parser also sees truncated reads of processes exiting mid-read.
 */
export function parseProcMaps(text: string): ExecMapping[] {
  const out: ExecMapping[] = [];
  let from = 0;
  while (from < text.length && out.length < MAX_MAPPINGS) {
    let to = text.indexOf('\n', from);
    if (to < 0) to = text.length;
    // Most mappings are data (a Node process has thousands): look at the x of "start-end rwxp" before any regex.
    const space = text.indexOf(' ', from);
    if (space < 0 || space >= to || text.charCodeAt(space + 3) !== 0x78 /* x */) {
      from = to + 1;
      continue;
    }
    const m = LINE.exec(text.slice(from, Math.min(to, from + 8192)));
    from = to + 1;
    if (!m) continue;
    if (m[5] !== 'x') continue;
    const start = hex(m[1] as string);
    const end = hex(m[2] as string);
    const offset = hex(m[7] as string);
    if (start === null || end === null || offset === null || end <= start) continue;
    let path = (m[10] as string).trimEnd();
    const deleted = path.endsWith(' (deleted)');
    if (deleted) path = path.slice(0, -' (deleted)'.length);
    out.push({ start, end, offset, dev: m[8] as string, inode: Number(m[9]), path, deleted });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The mapping containing `addr` (binary search over sorted, non-overlapping mappings). */
export function findMapping(maps: readonly ExecMapping[], addr: number): ExecMapping | null {
  let lo = 0;
  let hi = maps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = maps[mid] as ExecMapping;
    if (addr < m.start) hi = mid - 1;
    else if (addr >= m.end) lo = mid + 1;
    else return m;
  }
  return null;
}

/** Whether two parsed mapping lists name the same code at the same addresses. */
export function sameMappings(a: readonly ExecMapping[], b: readonly ExecMapping[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as ExecMapping;
    const y = b[i] as ExecMapping;
    if (
      x.start !== y.start ||
      x.end !== y.end ||
      x.offset !== y.offset ||
      x.inode !== y.inode ||
      x.dev !== y.dev ||
      x.path !== y.path ||
      x.deleted !== y.deleted
    ) {
      return false;
    }
  }
  return true;
}
