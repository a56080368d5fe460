import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toYaml, toYamlDocuments, type YamlValue } from './yaml-emitter';
import { parseYamlDocuments } from './yaml-test-kit';

// Keys longer than 1024 characters cannot be implicit keys in YAML 1.1; manifests never have such keys.
const key = fc.string({ unit: 'binary', maxLength: 40 });
const yamlValue: fc.Arbitrary<YamlValue> = fc.letrec<{ value: YamlValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.constantFrom('true', 'no', 'Off', 'null', '~', '0x1F', '1e3', '- x', 'a: b', '#c', '  lead', 'line\n', 'a\n\nb'),
    fc.string({ unit: fc.constantFrom('a', ' ', '\n', '-', ':', '#', "'", '"', '|', '\t'), maxLength: 30 }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('toYaml', () => {
  it('writes block YAML that a YAML 1.1 parser reads back as the same value (property)', () => {
    // One python process for the whole sample: each value is its own document.
    const samples = fc.sample(yamlValue, { numRuns: 400, seed: 20261121 });
    const parsed = parseYamlDocuments(toYamlDocuments(samples));
    expect(parsed).toHaveLength(samples.length);
    for (const [i, value] of samples.entries()) {
      expect(parsed[i], toYaml(value)).toEqual(JSON.parse(JSON.stringify(value)));
    }
  });

  it('keeps plain what is plain and quotes what a parser would read as something else', () => {
    expect(toYaml({ name: 'bathyscope-agent', 'app.kubernetes.io/name': 'x', port: 80, on: 'yes', empty: '' })).toBe(
      'name: bathyscope-agent\napp.kubernetes.io/name: x\nport: 80\n"on": "yes"\nempty: ""\n',
    );
    expect(toYaml({ list: [{ a: 1, b: [true, null] }, []], obj: {} })).toBe(
      'list:\n  - a: 1\n    b:\n      - true\n      - null\n  - []\nobj: {}\n',
    );
  });

  it('writes multi-line text as a literal block, and control characters escaped', () => {
    expect(toYaml({ script: 'set -eu\nexec agent run\n' })).toBe('script: |\n  set -eu\n  exec agent run\n');
    expect(toYaml({ s: 'a\nb' })).toBe('s: |-\n  a\n  b\n');
    expect(toYaml({ s: 'bell\u0007\u2028' })).toBe('s: "bell\\u0007\\u2028"\n');
  });

  it('refuses numbers YAML cannot carry', () => {
    expect(() => toYaml({ n: Number.NaN })).toThrow(TypeError);
    expect(() => toYaml([Number.POSITIVE_INFINITY])).toThrow(TypeError);
  });
});
