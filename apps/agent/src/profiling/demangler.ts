import { demangle as nativeDemangle } from '@bathyscope/native';

/** Readable forms of symbol names, in order; names it cannot read come back unchanged. */
export type DemangleFn = (names: string[]) => string[];

/**
 * Itanium-mangled (`_Z…`: C++ symbols, and Rust's legacy symbols, which use the same scheme) or Rust v0 (`_R…`,
 * `-C symbol-mangling-version=v0`).
 */
export function isMangled(name: string): boolean {
  if (name.length <= 2 || name.charCodeAt(0) !== 0x5f) return false;
  const second = name.charCodeAt(1);
  return second === 0x5a || second === 0x52;
}

export interface DemanglerStats {
  /** Native calls made (one per batch of names not cached). */
  calls: number;
  /** Names handed to the native demangler. */
  names: number;
  /** Batches the demangler failed on (the addon missing or throwing): their names stay mangled. */
  errors: number;
  cached: number;
}

/**
 * Demangles symbol names in batches (one call into the addon per batch, libstdc++'s `abi::__cxa_demangle` behind it)
 * and remembers the answers: a process's hot functions are demangled once, not once per stack or interval.
 * Bounded: past `maxEntries` the cache starts over (names of running code come back within an interval).
 */
export class Demangler {
  private cache = new Map<string, string>();
  private readonly s = { calls: 0, names: 0, errors: 0 };

  constructor(
    private readonly fn: DemangleFn = nativeDemangle,
    private readonly maxEntries = 65_536,
  ) {}

  stats(): DemanglerStats {
    return { ...this.s, cached: this.cache.size };
  }

  /** The readable form of a name demangled before, or undefined. */
  cached(name: string): string | undefined {
    return this.cache.get(name);
  }

  /** Readable forms of `names`, in order: cached ones from the cache, the rest (each once) in one native call. */
  demangleAll(names: readonly string[]): string[] {
    const out = names.map((name) => this.cache.get(name));
    const missing = new Set<string>();
    for (let i = 0; i < names.length; i++) if (out[i] === undefined) missing.add(names[i] as string);
    const fresh = missing.size > 0 ? this.load([...missing]) : null;
    // Names the demangler failed on stay as they are.
    return names.map((name, i) => out[i] ?? fresh?.get(name) ?? name);
  }

  private load(missing: string[]): Map<string, string> | null {
    let readable: string[];
    try {
      this.s.calls++;
      this.s.names += missing.length;
      readable = this.fn(missing);
      if (readable.length !== missing.length) throw new Error('demangle returned a different number of names');
    } catch {
      // The frames stay mangled: still correct, only harder to read. Counted, and not cached, so a later batch retries.
      this.s.errors++;
      return null;
    }
    const fresh = new Map<string, string>();
    if (this.cache.size + missing.length > this.maxEntries) this.cache = new Map();
    for (let i = 0; i < missing.length; i++) {
      fresh.set(missing[i] as string, readable[i] as string);
      if (this.cache.size < this.maxEntries) this.cache.set(missing[i] as string, readable[i] as string);
    }
    return fresh;
  }
}
