// SPDX-License-Identifier: Apache-2.0
import { loadNativeAddon } from './addon';

/**
 * Readable forms of symbol names, in order: C++ names (Itanium ABI, `_ZN3foo3barEi` → `foo::bar(int)`) through
 * libstdc++'s `abi::__cxa_demangle`, Rust legacy names (`_ZN4core3fmt5write17h<hash>E` → `core::fmt::write`) without
 * their hash and `$…$` escapes, and Rust v0 names (`_RNvCs…_4main4main` → `main::main`, RFC 2603) as rustc-demangle's
 * alternate form prints them (no crate hashes). Every other string — plain C names, JIT names, anything malformed or longer than
 * 4096 characters — comes back unchanged. One native call for the whole list: callers batch a profiling interval's
 * new names.
 */
export function demangle(names: readonly string[]): string[] {
  if (!Array.isArray(names)) throw new TypeError('demangle(names) needs an array of strings');
  if (names.length === 0) return [];
  return loadNativeAddon().demangle(names as string[]);
}
