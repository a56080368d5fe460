import { describe, expect, it } from 'vitest';
import { Demangler, isMangled } from './demangler';

describe('Demangler', () => {
  it('demangles a batch in one native call, each name once, and answers repeats from its cache', () => {
    const calls: string[][] = [];
    const d = new Demangler((names) => {
      calls.push([...names]);
      return names.map((n) => `readable(${n})`);
    });
    expect(d.demangleAll(['_ZA', '_ZB', '_ZA'])).toEqual(['readable(_ZA)', 'readable(_ZB)', 'readable(_ZA)']);
    expect(calls).toEqual([['_ZA', '_ZB']]);
    expect(d.demangleAll(['_ZB', '_ZC'])).toEqual(['readable(_ZB)', 'readable(_ZC)']);
    expect(calls).toEqual([['_ZA', '_ZB'], ['_ZC']]);
    expect(d.cached('_ZC')).toBe('readable(_ZC)');
    expect(d.demangleAll(['_ZA'])).toEqual(['readable(_ZA)']);
    expect(d.stats()).toEqual({ calls: 2, names: 3, errors: 0, cached: 3 });
  });

  it('keeps names mangled when the addon fails, counts it, and retries them later', () => {
    let fail = true;
    const d = new Demangler((names) => {
      if (fail) throw new Error('addon not built');
      return names.map((n) => n.toLowerCase());
    });
    expect(d.demangleAll(['_ZX'])).toEqual(['_ZX']);
    expect(d.stats().errors).toBe(1);
    fail = false;
    expect(d.demangleAll(['_ZX'])).toEqual(['_zx']);
  });

  it('stays bounded: past maxEntries the cache starts over, answers stay right', () => {
    const d = new Demangler((names) => names.map((n) => n.slice(2)), 4);
    const names = Array.from({ length: 10 }, (_, i) => `_Z${i}`);
    expect(d.demangleAll(names)).toEqual(names.map((n) => n.slice(2)));
    expect(d.stats().cached).toBeLessThanOrEqual(4);
    expect(d.demangleAll(['_Z1', '_Z9'])).toEqual(['1', '9']);
  });

  it('the real addon: C++ and Rust names readable, plain names untouched', () => {
    const d = new Demangler();
    expect(
      d.demangleAll([
        '_ZN15bathyscope_demo7Spinner7hotSpinEi',
        '_ZN4core3fmt5write17h0123456789abcdefE',
        '_RNvXCs32gj3y4fnmh_4mainNtB2_2SqNtB2_5Shape4area',
        'main',
      ]),
    ).toEqual([
      'bathyscope_demo::Spinner::hotSpin(int)',
      'core::fmt::write',
      '<main::Sq as main::Shape>::area',
      'main',
    ]);
    expect(isMangled('_ZN3foo3barEv')).toBe(true);
    expect(isMangled('_RNvCs32gj3y4fnmh_4main4main')).toBe(true);
    expect(isMangled('_R')).toBe(false);
    expect(isMangled('main')).toBe(false);
    expect(isMangled('_Z')).toBe(false);
  });
});
