// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { demangle } from './demangle';

describe('demangle (abi::__cxa_demangle in the addon)', () => {
  it('reads C++ names, clones and templates', () => {
    const cases: [string, string][] = [
      ['_ZN3foo3barEv', 'foo::bar()'],
      ['_ZN15bathyscope_demo7Spinner7hotSpinEi', 'bathyscope_demo::Spinner::hotSpin(int)'],
      [
        '_ZN2v88internal10ActionNode15EmptyMatchCheckEiiiPNS0_10RegExpNodeE',
        'v8::internal::ActionNode::EmptyMatchCheck(int, int, int, v8::internal::RegExpNode*)',
      ],
      [
        '_ZN2v88internal10JsonParserItE25ReportUnexpectedCharacterEj',
        'v8::internal::JsonParser<unsigned short>::ReportUnexpectedCharacter(unsigned int)',
      ],
      ['_ZNSt6vectorIiSaIiEE9push_backERKi', 'std::vector<int, std::allocator<int> >::push_back(int const&)'],
      ['_ZN3foo3barEv.cold', 'foo::bar() [clone .cold]'],
      ['_ZNK4node11Environment7is_mainEv', 'node::Environment::is_main() const'],
      ['_Z4mainiPPc', 'main(int, char**)'],
      ['_ZZ4mainE5local', 'main::local'],
    ];
    expect(demangle(cases.map(([m]) => m))).toEqual(cases.map(([, d]) => d));
  });

  it('reads Rust legacy names without their hash, with their escapes decoded', () => {
    const cases: [string, string][] = [
      ['_ZN4core3fmt5write17h0123456789abcdefE', 'core::fmt::write'],
      ['_ZN3std2rt10lang_start17h05af221e174051e9E', 'std::rt::lang_start'],
      [
        '_ZN71_$LT$Test$u20$$u2b$$u20$$u27$static$u20$as$u20$foo..Bar$LT$Test$GT$$GT$3bar17h930b740aa94f1d3aE',
        "<Test + 'static as foo::Bar<Test>>::bar",
      ],
      ['_ZN12test$RF$test3foo17h0000000000000000E', 'test&test::foo'],
      ['_ZN5alloc5slice29_$LT$impl$u20$$u5b$T$u5d$$GT$4sort17h7e7a1b2c3d4e5f60E', 'alloc::slice::<impl [T]>::sort'],
    ];
    expect(demangle(cases.map(([m]) => m))).toEqual(cases.map(([, d]) => d));
    // Not a Rust hash (15 hex digits): an ordinary C++ nested name.
    expect(demangle(['_ZN3foo16h0123456789abcdeE'])).toEqual(['foo::h0123456789abcde']);
  });

  it('returns plain and malformed names unchanged', () => {
    const names = [
      'main',
      'bathyscope_hot_spin',
      '',
      '_Z',
      '_Zfoo',
      '_ZN3fooE3',
      'JS:*busy /x.js:1:1',
      '_ZN3foo3barEv\u0000x',
    ];
    expect(demangle(names)).toEqual(names);
    // Longer than the demangler is given: unchanged, however valid.
    const long = `_ZN${'3abc'.repeat(1100)}3endEv`;
    expect(demangle([long])).toEqual([long]);
    expect(demangle([])).toEqual([]);
  });

  it('refuses what is not an array of strings', () => {
    expect(() => demangle('x' as unknown as string[])).toThrow(TypeError);
    expect(() => demangle(['_ZN3foo3barEv', 5 as unknown as string])).toThrow(/names\[1\] is not a string/);
  });

  it('property: any string comes back as a string, never crashes, and unchanged unless it starts with _Z', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), {
          maxLength: 20,
        }),
        (names) => {
          const out = demangle(names);
          expect(out).toHaveLength(names.length);
          names.forEach((n, i) => {
            expect(typeof out[i]).toBe('string');
            if (!n.startsWith('_Z')) expect(out[i]).toBe(n);
          });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('property: mutated and truncated mangled names never crash the demangler', () => {
    const seeds = [
      '_ZN2v88internal10ActionNode15EmptyMatchCheckEiiiPNS0_10RegExpNodeE',
      '_ZNSt6vectorIiSaIiEE9push_backERKi',
      '_ZN71_$LT$Test$u20$$u2b$$u20$$u27$static$u20$as$u20$foo..Bar$LT$Test$GT$$GT$3bar17h930b740aa94f1d3aE',
      '_ZZ4mainE5local',
    ];
    const alphabet = fc.constantFrom(...'_ZNSt0123456789EIJKLPRTvisabcdhlmxyz$.'.split(''));
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), alphabet), { maxLength: 6 }),
        fc.nat(),
        (seed, edits, cut) => {
          const chars = seed.split('');
          for (const [at, c] of edits) chars[at % chars.length] = c;
          const name = `_Z${chars.join('').slice(2, 2 + (cut % seed.length))}`;
          const [out] = demangle([name]);
          expect(typeof out).toBe('string');
        },
      ),
      { numRuns: 3000 },
    );
    // Deep nesting (templates of templates): bounded by the input length cap, answered either way.
    const deep = `_Z1fI${'St6vectorI'.repeat(400)}i${'E'.repeat(400)}Evv`;
    expect(typeof demangle([deep])[0]).toBe('string');
  });
});
