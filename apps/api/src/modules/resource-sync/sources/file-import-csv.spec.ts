import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, formatCsvRecord, parseCsv } from './file-import-csv.js';

const LIMITS = { maxRecords: 10_000, maxFields: 1_000, maxFieldLength: 100_000 };

describe('parseCsv (RFC 4180, strict)', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and numbers records by starting line', () => {
    const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""","multi\nline"\r\n1,,3\n"",2,\n';
    expect(parseCsv(text, LIMITS)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'multi\nline'] },
      { line: 4, fields: ['1', '', '3'] },
      { line: 5, fields: ['', '2', ''] },
    ]);
    expect(parseCsv('a\rb', LIMITS)).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, fields: ['b'] },
    ]);
    expect(parseCsv('', LIMITS)).toEqual([]);
  });

  it('names line and column of every syntax error', () => {
    const err = (text: string) => {
      try {
        parseCsv(text, LIMITS);
      } catch (e) {
        expect(e).toBeInstanceOf(CsvSyntaxError);
        return e as CsvSyntaxError;
      }
      throw new Error('expected a CsvSyntaxError');
    };
    expect(err('a,b\nc,"open\n\nstill open')).toMatchObject({
      line: 2,
      column: 3,
      message: 'line 2, column 3: quoted field is not closed',
    });
    expect(err('a,b\n"x"y,z')).toMatchObject({ line: 2, column: 4 });
    expect(err('a,b\nab"c,d')).toMatchObject({ line: 2, column: 3 });
    expect(err('"multi\nline"x')).toMatchObject({ line: 2, column: 6 });
    expect(() => parseCsv('a,b,c', { ...LIMITS, maxFields: 2 })).toThrow(CsvSyntaxError);
    expect(() => parseCsv('a\nb\nc', { ...LIMITS, maxRecords: 2 })).toThrow('more than 2 records');
    expect(() => parseCsv('abcdef', { ...LIMITS, maxFieldLength: 5 })).toThrow('longer than 5');
  });

  it('property: formatting any table and parsing it back gives the same table', () => {
    const field = fc.oneof(fc.string(), fc.constantFrom('"', ',', '\n', '\r\n', '""', ' , "x" ', ''));
    const table = fc
      .integer({ min: 1, max: 6 })
      .chain((width) =>
        fc.array(fc.array(field, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 12 }),
      );
    fc.assert(
      fc.property(table, fc.constantFrom('\r\n', '\n'), fc.boolean(), (rows, eol, finalEol) => {
        const text = rows.map(formatCsvRecord).join(eol) + (finalEol ? eol : '');
        expect(parseCsv(text, LIMITS).map((r) => r.fields)).toEqual(rows);
      }),
      { numRuns: 500 },
    );
  });

  it('property: record line numbers match the physical lines they start on', () => {
    const field = fc.oneof(fc.stringMatching(/^[a-z]{0,4}$/), fc.constantFrom('a\nb', 'x\r\ny\nz'));
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 10 }),
        (rows) => {
          const lines = rows.map(formatCsvRecord);
          const parsed = parseCsv(lines.join('\n'), LIMITS);
          let expected = 1;
          parsed.forEach((r, i) => {
            expect(r.line).toBe(expected);
            expected += (lines[i]!.match(/\r\n|\n|\r/g) ?? []).length + 1;
          });
        },
      ),
    );
  });

  it('property: arbitrary input either parses or fails with a CsvSyntaxError, never anything else', () => {
    const noisy = fc
      .array(fc.constantFrom('a', ',', '"', '\n', '\r', ' ', 'é', '""'), { maxLength: 60 })
      .map((a) => a.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), noisy), (text) => {
        try {
          const records = parseCsv(text, LIMITS);
          for (const r of records) expect(r.fields.length).toBeGreaterThan(0);
        } catch (e) {
          expect(e).toBeInstanceOf(CsvSyntaxError);
          expect((e as CsvSyntaxError).line).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
