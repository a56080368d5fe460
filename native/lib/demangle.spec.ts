// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { demangle } from './demangle';

/** Real names with up to 6 characters replaced from `alphabet` and cut short, still starting with `prefix`. */
function mutatedNames(prefix: string, seeds: string[], alphabet: string): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom(...alphabet.split(''))), { maxLength: 6 }),
      fc.nat(),
    )
    .map(([seed, edits, cut]) => {
      const chars = seed.split('');
      for (const [at, c] of edits) chars[at % chars.length] = c;
      return `${prefix}${chars.join('').slice(2, 2 + (cut % seed.length))}`;
    });
}

describe('demangle (abi::__cxa_demangle and a Rust v0 reader in the addon)', () => {
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

  it('reads Rust v0 names (-C symbol-mangling-version=v0) as rustc-demangle prints them, without crate hashes', () => {
    // Names from `nm` of a program built by rustc 1.95; readings checked against GNU c++filt 2.40 (which also prints
    // crate hashes and const types, `[5ad7…]` and `3: usize`, that frames leave out).
    const cases: [string, string][] = [
      ['_RNvCs32gj3y4fnmh_4main4main', 'main::main'],
      ['_RNvXCs32gj3y4fnmh_4mainNtB2_2SqNtB2_5Shape4area', '<main::Sq as main::Shape>::area'],
      ['_RNvMs_Cs32gj3y4fnmh_4mainINtB4_3FoomE3getB4_', '<main::Foo<u32>>::get'],
      ['_RNCNvCs32gj3y4fnmh_4main4main0B3_', 'main::main::{closure#0}'],
      [
        '_RNCNCNCNvNtCsjrHSEGnQ3l9_3std2rt19lang_start_internal00s_0B9_',
        'std::rt::lang_start_internal::{closure#0}::{closure#0}::{closure#1}',
      ],
      [
        '_RNSNvYNCNvCs32gj3y4fnmh_4main4main0INtNtNtCsgEmfK2I1SDS_4core3ops8function6FnOnceTReEE9call_once6vtableB8_',
        '<main::main::{closure#0} as core::ops::function::FnOnce<(&str,)>>::call_once::{shim:vtable#0}',
      ],
      [
        '_RINvXs0_NtNtNtCsgEmfK2I1SDS_4core4iter6traits8iteratorQDNtB6_8Iteratorp4ItemhEL_BS_4foldjNCNvYBQ_B1g_5count0ECs32gj3y4fnmh_4main',
        '<&mut dyn core::iter::traits::iterator::Iterator<Item = u8> as core::iter::traits::iterator::Iterator>::fold::<usize, <&mut dyn core::iter::traits::iterator::Iterator<Item = u8> as core::iter::traits::iterator::Iterator>::count::{closure#0}>',
      ],
      [
        '_RNvMs3_NtCslNYArtu3iFV_5alloc7raw_vecINtB5_6RawVecTOhFUKCBN_EuENtNtCsjrHSEGnQ3l9_3std5alloc6SystemE8grow_oneB13_',
        '<alloc::raw_vec::RawVec<(*mut u8, unsafe extern "C" fn(*mut u8)), std::alloc::System>>::grow_one',
      ],
      [
        '_RINvNtNtCsjrHSEGnQ3l9_3std3sys9backtrace26___rust_end_short_backtraceNCNvNtB6_5alloc8rust_oom0zEB6_',
        'std::sys::backtrace::__rust_end_short_backtrace::<std::alloc::rust_oom::{closure#0}, !>',
      ],
      [
        '_RINvNtNtCsjrHSEGnQ3l9_3std3sys9backtrace28___rust_begin_short_backtraceFEuuECs32gj3y4fnmh_4main',
        'std::sys::backtrace::__rust_begin_short_backtrace::<fn(), ()>',
      ],
      [
        '_RNvNvMNtNtCsgEmfK2I1SDS_4core3ptr9const_ptrPp20offset_from_unsigned18precondition_checkCs32gj3y4fnmh_4main',
        '<*const _>::offset_from_unsigned::precondition_check',
      ],
      [
        '_RNCNKNvNvMNtNtCsjrHSEGnQ3l9_3std4hash6randomNtB8_11RandomState3new4KEYS0s_0Cs32gj3y4fnmh_4main',
        '<std::hash::random::RandomState>::new::KEYS::{K#0}::{closure#1}',
      ],
      // Const generics: usize, a negative i32, a char and a bool.
      ['_RINvCs32gj3y4fnmh_4main3arrKj3_EB2_', 'main::arr::<3>'],
      ['_RINvCs32gj3y4fnmh_4main3negKln5_EB2_', 'main::neg::<-5>'],
      ['_RINvCs32gj3y4fnmh_4main2chKc78_Kb1_EB2_', "main::ch::<'x', true>"],
      // Punycode identifiers (`mod café { fn naïve() }`).
      ['_RNvNtCs32gj3y4fnmh_4mainu7caf_dmau8nave_6pa', 'main::café::naïve'],
      // A vendor suffix is not part of the name.
      ['_RNvCs32gj3y4fnmh_4main4main.llvm.123456', 'main::main'],
    ];
    expect(demangle(cases.map(([m]) => m))).toEqual(cases.map(([, d]) => d));
  });

  it('returns malformed Rust v0 names unchanged: bad backrefs, truncation, unknown tags, runaway nesting', () => {
    const names = [
      '_R',
      '_RNv',
      '_RNvC', // truncated
      '_RNvCs32gj3y4fnmh_4main9main', // identifier longer than what is left
      '_RB_', // a backref to itself
      '_RNvB0_4main', // a backref forward of itself
      '_R1NvC4main4main', // an encoding version nobody writes
      '_RQ', // not a path tag
      `_R${'I'.repeat(300)}C1a${'E'.repeat(300)}`, // nesting beyond the bound
      '_RNvC4main4mainZZ', // trailing garbage (not a crate path or a vendor suffix)
      '_RINvC1f1gKb2_E', // a bool that is 2
    ];
    expect(demangle(names)).toEqual(names);
  });

  it('property: mutated and truncated Rust v0 names never crash the demangler', () => {
    const seeds = [
      '_RINvXs0_NtNtNtCsgEmfK2I1SDS_4core4iter6traits8iteratorQDNtB6_8Iteratorp4ItemhEL_BS_4foldjNCNvYBQ_B1g_5count0ECs32gj3y4fnmh_4main',
      '_RNvMs3_NtCslNYArtu3iFV_5alloc7raw_vecINtB5_6RawVecTOhFUKCBN_EuENtNtCsjrHSEGnQ3l9_3std5alloc6SystemE8grow_oneB13_',
      '_RNvNtCs32gj3y4fnmh_4mainu7caf_dmau8nave_6pa',
      '_RINvCs32gj3y4fnmh_4main2chKc78_Kb1_EB2_',
    ];
    fc.assert(
      fc.property(mutatedNames('_R', seeds, '_RNvCsMXYIEBKLGDFUTSAQPOpu0123456789abcdefhjlmxyz'), (name) => {
        const [out] = demangle([name]);
        expect(typeof out).toBe('string');
        expect(out.length).toBeLessThanOrEqual(8192 + 16);
      }),
      { numRuns: 5000 },
    );
    // Backrefs that multiply the output: bounded, answered either way.
    let name = '_RINvC1f1gTaaE';
    for (let i = 0; i < 40; i++) name += 'TB9_B9_E';
    expect(typeof demangle([`${name}E`])[0]).toBe('string');
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

  it('property: any string comes back as a string, never crashes, and unchanged unless it starts with _Z or _R', () => {
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
            if (!n.startsWith('_Z') && !n.startsWith('_R')) expect(out[i]).toBe(n);
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
    fc.assert(
      fc.property(mutatedNames('_Z', seeds, '_ZNSt0123456789EIJKLPRTvisabcdhlmxyz$.'), (name) => {
        const [out] = demangle([name]);
        expect(typeof out).toBe('string');
      }),
      { numRuns: 3000 },
    );
    // Deep nesting (templates of templates): bounded by the input length cap, answered either way.
    const deep = `_Z1fI${'St6vectorI'.repeat(400)}i${'E'.repeat(400)}Evv`;
    expect(typeof demangle([deep])[0]).toBe('string');
  });
});
