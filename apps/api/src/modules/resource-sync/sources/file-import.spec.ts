import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCsvRecord } from './file-import-csv.js';
import {
  createFileImportSource,
  DISCOVERED_KINDS,
  FILE_IMPORT_LIMITS,
  FileImportError,
  parseFileImport,
} from './file-import.js';
import { type DiscoveredResource, SourceError } from './source-types.js';

function issuesOf(format: 'csv' | 'json', content: string): FileImportError {
  try {
    parseFileImport({ format, content });
  } catch (e) {
    expect(e).toBeInstanceOf(FileImportError);
    return e as FileImportError;
  }
  throw new Error('expected the import to be rejected');
}

const CSV = [
  'kind,externalId,name,parentKind,parentId,ips,cidrs,label.team,label.env,labels,attributes,members',
  'region,dc-1,Frankfurt DC,,,,,,,,,',
  'subnet,net-a,Office LAN,region,dc-1,,10.1.0.0/16; 2001:DB8::/32,netops,,,,',
  'host,fw-1,Edge firewall,subnet,net-a,10.1.0.1 10.1.0.2;10.1.0.2,,netops,prod,"{""vendor"":""acme""}","{""model"":""X1"",""ports"":48}",',
  '',
  'application,billing,Billing,,,,,finance,,,,host/fw-1;host/fw-1',
].join('\r\n');

describe('file import', () => {
  it('reads a CSV import with hierarchy, IPs, CIDRs, label columns, JSON labels/attributes and members', async () => {
    const { resources } = await createFileImportSource({ format: 'csv', content: CSV }).list();
    const m = new Map(resources.map((r) => [`${r.kind}/${r.externalId}`, r]));
    expect(resources).toHaveLength(4);
    expect(m.get('subnet/net-a')).toEqual({
      kind: 'subnet',
      externalId: 'net-a',
      name: 'Office LAN',
      labels: { team: 'netops' },
      attributes: {},
      parent: { kind: 'region', externalId: 'dc-1' },
      cidrs: ['10.1.0.0/16', '2001:db8::/32'],
    });
    expect(m.get('host/fw-1')).toEqual({
      kind: 'host',
      externalId: 'fw-1',
      name: 'Edge firewall',
      labels: { vendor: 'acme', team: 'netops', env: 'prod' },
      attributes: { model: 'X1', ports: 48 },
      parent: { kind: 'subnet', externalId: 'net-a' },
      ips: ['10.1.0.1', '10.1.0.2'],
    });
    expect(m.get('application/billing')!.members).toEqual([
      { kind: 'host', externalId: 'fw-1' },
      { kind: 'host', externalId: 'fw-1' },
    ]);
  });

  it('reads the same inventory from JSON (array or { resources })', async () => {
    const fromCsv = parseFileImport({ format: 'csv', content: CSV });
    const json = JSON.stringify({ resources: fromCsv.map((r) => ({ ...r, ips: r.ips?.join(' ') })) });
    expect(parseFileImport({ format: 'json', content: json })).toEqual(fromCsv);
    expect(parseFileImport({ format: 'json', content: JSON.stringify(fromCsv) })).toEqual(fromCsv);
  });

  it('rejects bad CSV with line- and field-precise messages', () => {
    const bad = [
      'kind,externalId,name,parentKind,parentId,ips,labels',
      'region,r1,,,,,',
      'rack,x,,,,,',
      'host,h1,,region,r2,10.0.0.300,',
      'host,h2,,region,,,"{""a"":1}"',
      'host,h3,,,,,{oops',
      'host,r1,,,,,',
      'host,h1,,,,,',
      'host,too,many,fields,,,,',
    ].join('\n');
    const err = issuesOf('csv', bad);
    const messages = err.issues.map((i) => `${i.location}: ${i.message}`);
    expect(messages).toEqual([
      `line 3, field kind: 'rack' is not a kind; expected one of ${DISCOVERED_KINDS.join(', ')}`,
      "line 4, field ips[0]: '10.0.0.300' is not an IP address",
      'line 5, field parentId: required (a non-empty string)',
      'line 5, field labels.a: label values must be strings',
      'line 6, field labels: not valid JSON',
      'line 9: 8 fields, the header has 7',
    ]);
    expect(err.issues[0]!.line).toBe(3);
    expect(err).toMatchObject({ code: 'malformed', retryable: false });

    // Cross-row problems are reported once every row is valid on its own.
    const refs = [
      'kind,externalId,parentKind,parentId',
      'host,a,region,nowhere',
      'host,b,,',
      'host,b,,',
      'pod,p1,pod,p2',
      'pod,p2,pod,p1',
    ].join('\n');
    expect(issuesOf('csv', refs).issues.map((i) => `${i.location}: ${i.message}`)).toEqual([
      "line 4: duplicate host 'b' (first at line 3)",
      "line 2, field parentKind/parentId: no region 'nowhere' in this import",
    ]);
    expect(
      issuesOf('csv', ['kind,externalId,parentKind,parentId', 'pod,p1,pod,p2', 'pod,p2,pod,p1'].join('\n')).issues[0]!
        .message,
    ).toBe("parent chain loops back to pod 'p1'");
  });

  it('rejects bad headers, syntax errors and oversized documents', () => {
    expect(issuesOf('csv', 'kind,name\nhost,x').issues[0]!.message).toBe("missing required column 'externalId'");
    expect(issuesOf('csv', 'kind,externalId,colour\nhost,x,red').issues[0]).toMatchObject({
      location: "line 1, column 'colour'",
      line: 1,
    });
    expect(issuesOf('csv', 'kind,externalId,kind\nhost,x,host').issues[0]!.message).toBe('duplicate column');
    expect(issuesOf('csv', 'kind,externalId\nhost,"x\nhost,y').issues[0]).toMatchObject({
      location: 'line 2, column 6',
      line: 2,
    });
    expect(issuesOf('csv', '').issues[0]!.message).toContain('empty');
    const big = `kind,externalId\n${'host,x\n'.repeat(FILE_IMPORT_LIMITS.maxBytes / 7 + 1)}`;
    expect(issuesOf('csv', big).issues[0]!.message).toContain('exceeds the limit');
    const many = `kind,externalId\n${Array.from({ length: FILE_IMPORT_LIMITS.maxResources + 1 }, (_, i) => `host,h${i}`).join('\n')}`;
    expect(issuesOf('csv', many).issues[0]!.message).toContain(`more than ${FILE_IMPORT_LIMITS.maxResources}`);
  });

  it('rejects bad JSON with JSON paths', () => {
    expect(issuesOf('json', '{"resources": 5}').issues[0]).toMatchObject({ location: '$' });
    expect(issuesOf('json', '[{"kind": "host"').issues[0]!.message).toContain('not valid JSON');
    const err = issuesOf(
      'json',
      JSON.stringify([
        { kind: 'host', externalId: 'a', ips: ['10.0.0.1', 'nope'], colour: 'red' },
        { kind: 'host', externalId: '', parent: { kind: 'host' } },
        { kind: 'service', externalId: 's', members: ['host'] },
        7,
      ]),
    );
    expect(err.issues.map((i) => `${i.location}: ${i.message}`)).toEqual([
      '$[0].colour: unknown field; expected kind, externalId, name, parent, ips, cidrs, members, labels, attributes',
      "$[0].ips[1]: 'nope' is not an IP address",
      '$[1].externalId: required (a non-empty string)',
      '$[1].parent.externalId: required (a non-empty string)',
      "$[2].members[0]: expected 'kind/externalId' or { kind, externalId }",
      '$[3]: expected an object',
    ]);
  });

  it('rejects a bad config, and a bad document as soon as the source is built', async () => {
    expect(() => createFileImportSource({ format: 'xml', content: '' })).toThrow(SourceError);
    expect(() => createFileImportSource({ format: 'csv' })).toThrow(SourceError);
    expect(() => createFileImportSource({ format: 'csv', content: 'kind\nhost' })).toThrow(FileImportError);
    await expect(createFileImportSource({ format: 'csv', content: CSV }).test()).resolves.toBeUndefined();
  });

  it('property: any valid resource set round-trips through CSV and through JSON', () => {
    const id = fc
      .string({ minLength: 1, maxLength: 20 })
      .filter(
        (s) => s.trim() === s && s !== '' && ![...s].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127),
      );
    const octet = fc.integer({ min: 0, max: 255 });
    const ip = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
    const labelKey = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,15}$/);
    const resource = fc.record({
      kind: fc.constantFrom(...DISCOVERED_KINDS),
      externalId: id,
      name: id,
      ips: fc.uniqueArray(ip, { maxLength: 3 }),
      labels: fc.dictionary(labelKey, fc.string({ maxLength: 20 }), { maxKeys: 4 }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(resource, { selector: (r) => `${r.kind}/${r.externalId}`, minLength: 1, maxLength: 15 }),
        fc.boolean(),
        (specs, chain) => {
          // Optionally chain each resource under the previous one (a valid, acyclic hierarchy).
          const expected: DiscoveredResource[] = specs.map((s, i) => {
            const prev = specs[i - 1];
            return {
              kind: s.kind,
              externalId: s.externalId,
              name: s.name,
              labels: s.labels,
              attributes: {},
              ...(chain && prev ? { parent: { kind: prev.kind, externalId: prev.externalId } } : {}),
              ...(s.ips.length ? { ips: s.ips } : {}),
            };
          });
          const header = ['kind', 'externalId', 'name', 'parentKind', 'parentId', 'ips', 'labels'];
          const csv = [
            header,
            ...expected.map((r) => [
              r.kind,
              r.externalId,
              r.name,
              r.parent?.kind ?? '',
              r.parent?.externalId ?? '',
              (r.ips ?? []).join(';'),
              JSON.stringify(r.labels),
            ]),
          ]
            .map(formatCsvRecord)
            .join('\r\n');
          expect(parseFileImport({ format: 'csv', content: csv })).toEqual(expected);
          expect(parseFileImport({ format: 'json', content: JSON.stringify(expected) })).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: random and mutated documents are accepted or rejected with FileImportError, never a crash', () => {
    const mutate = fc
      .tuple(fc.nat(CSV.length), fc.nat(20), fc.string({ maxLength: 5 }))
      .map(([at, del, ins]) => CSV.slice(0, at) + ins + CSV.slice(at + del));
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), mutate),
        fc.constantFrom('csv' as const, 'json' as const),
        (content, format) => {
          try {
            const out = parseFileImport({ format, content });
            for (const r of out) expect(DISCOVERED_KINDS).toContain(r.kind);
          } catch (e) {
            expect(e).toBeInstanceOf(FileImportError);
            const issues = (e as FileImportError).issues;
            expect(issues.length).toBeGreaterThan(0);
            expect(issues.length).toBeLessThanOrEqual(50);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
