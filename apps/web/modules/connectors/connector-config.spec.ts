import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// The API's own parsers: what the form builds must be what the sources accept (a contract, not a copy).
import { parseAwsConfig, parseAwsCredentials } from '../../../api/src/modules/resource-sync/sources/aws';
import { parseFileImport, parseFileImportConfig } from '../../../api/src/modules/resource-sync/sources/file-import';
import { parseNetBoxConfig, parseNetBoxCredentials } from '../../../api/src/modules/resource-sync/sources/netbox';
import {
  asFieldMessage,
  buildConnectorInput,
  buildConnectorUpdate,
  type ConnectorDraft,
  draftFromConnector,
  type EditableConnector,
  connectorNameError,
  EMPTY_DRAFT,
  fileContentError,
  fieldForConnectorError,
  parseInterval,
  parseRegions,
} from './connector-config';

const draft = (patch: Partial<ConnectorDraft>): ConnectorDraft => ({ ...EMPTY_DRAFT, name: 'prod', ...patch });

const CSV =
  'kind,externalId,name,parentKind,parentId,ips,label.team\nvpc,vpc-1,main,,,,\nhost,web-1,web-1,vpc,vpc-1,10.0.0.5,payments\n';

describe('buildConnectorInput', () => {
  it('builds a file import the API parses into resources', () => {
    const built = buildConnectorInput(draft({ kind: 'file', format: 'csv', content: CSV, interval: '600' }));
    expect(built).toEqual({
      ok: true,
      input: {
        kind: 'file',
        name: 'prod',
        config: { format: 'csv', content: CSV },
        enabled: true,
        intervalSeconds: 600,
      },
    });
    if (!built.ok) return;
    const resources = parseFileImport(parseFileImportConfig(built.input.config));
    expect(resources.map((r) => `${r.kind}/${r.externalId}`)).toEqual(['vpc/vpc-1', 'host/web-1']);
    expect(built.input.credentials).toBeUndefined();
  });

  it('builds Kubernetes config and token without empty options', () => {
    const built = buildConnectorInput(
      draft({ kind: 'k8s', server: ' https://10.0.0.1:6443 ', token: ' abc ', insecureSkipTlsVerify: true }),
    );
    expect(built.ok && built.input).toMatchObject({
      kind: 'k8s',
      config: { server: 'https://10.0.0.1:6443', insecureSkipTlsVerify: true },
      credentials: { token: 'abc' },
    });
    expect(built.ok && Object.keys(built.input.config)).toEqual(['server', 'insecureSkipTlsVerify']);
    const withCa = buildConnectorInput(
      draft({ kind: 'k8s', server: 'https://k', token: 't', clusterName: 'eu', caData: '-----BEGIN' }),
    );
    expect(withCa.ok && withCa.input.config).toEqual({ server: 'https://k', clusterName: 'eu', caData: '-----BEGIN' });
  });

  it('builds AWS and NetBox inputs the API parsers accept', () => {
    const aws = buildConnectorInput(
      draft({
        kind: 'aws',
        regions: 'eu-west-1, us-east-1 eu-west-1',
        endpoint: 'http://127.0.0.1:4566',
        accessKeyId: 'AKIA1',
        secretAccessKey: 's3cret',
      }),
    );
    expect(aws.ok).toBe(true);
    if (aws.ok) {
      expect(parseAwsConfig(aws.input.config)).toEqual({
        regions: ['eu-west-1', 'us-east-1'],
        endpoint: 'http://127.0.0.1:4566',
      });
      expect(parseAwsCredentials(aws.input.credentials)).toEqual({ accessKeyId: 'AKIA1', secretAccessKey: 's3cret' });
    }
    const netbox = buildConnectorInput(
      draft({ kind: 'netbox', url: 'https://nb.example/', token: '0123456789abcdef' }),
    );
    expect(netbox.ok).toBe(true);
    if (netbox.ok) {
      expect(parseNetBoxConfig(netbox.input.config)).toEqual({ url: 'https://nb.example' });
      expect(parseNetBoxCredentials(netbox.input.credentials)).toEqual({ token: '0123456789abcdef' });
    }
  });

  it('names every wrong field of the kind, and only those', () => {
    expect(buildConnectorInput(draft({ kind: 'k8s', name: '', interval: '5' }))).toEqual({
      ok: false,
      errors: {
        name: 'Enter a name for the connector.',
        interval: 'Enter whole seconds from 30 to 86,400.',
        server: 'Enter the API server URL, e.g. https://10.0.0.1:6443.',
        token: 'Enter a service account token.',
      },
    });
    expect(buildConnectorInput(draft({ kind: 'aws', regions: 'eu-west-1 mars', endpoint: 'ftp://x' }))).toEqual({
      ok: false,
      errors: {
        regions: '“mars” is not an AWS region name (like eu-west-1).',
        endpoint: 'The endpoint must be an http:// or https:// URL.',
        accessKeyId: 'Enter the access key id.',
        secretAccessKey: 'Enter the secret access key.',
      },
    });
    expect(buildConnectorInput(draft({ kind: 'netbox', url: 'netbox', token: 'short' }))).toEqual({
      ok: false,
      errors: {
        url: 'The NetBox URL must be an http:// or https:// URL.',
        token: 'Enter the NetBox API token (8 to 256 characters, no spaces).',
      },
    });
  });

  it('checks a file before sending it', () => {
    const error = (format: 'csv' | 'json', content: string) => fileContentError(format, content);
    expect(error('csv', '  ')).toBe('Paste the document or choose a file.');
    expect(error('csv', 'name,ips\nweb,10.0.0.1')).toBe(
      'The first line must name the columns; kind and externalId are missing.',
    );
    expect(error('csv', '\ufeff"kind",name\nhost,a')).toBe(
      'The first line must name the columns; externalId is missing.',
    );
    expect(error('csv', CSV)).toBeUndefined();
    expect(error('json', '{"kind": "host"')).toMatch(/^Not valid JSON: /);
    expect(error('json', '{"kind": "host"}')).toBe(
      'The JSON must be an array of resources, or { "resources": [...] }.',
    );
    expect(error('json', '{"resources": []}')).toBeUndefined();
    expect(error('json', '[{"kind":"host","externalId":"a"}]')).toBeUndefined();
  });

  it('builds exactly when every field is valid (any draft)', () => {
    const text = fc.string({ maxLength: 40 });
    const arbitraryDraft = fc.record({
      kind: fc.constantFrom('k8s', 'aws', 'netbox', 'file') as fc.Arbitrary<ConnectorDraft['kind']>,
      name: fc.oneof(text, fc.constantFrom('prod', 'eu cluster-1', 'a.b_c')),
      interval: fc.oneof(fc.integer({ min: -10, max: 100_000 }).map(String), text),
      enabled: fc.boolean(),
      server: fc.oneof(text, fc.constantFrom('https://10.0.0.1:6443', 'http://k8s.local')),
      clusterName: text,
      caData: text,
      insecureSkipTlsVerify: fc.boolean(),
      token: fc.oneof(text, fc.constantFrom('0123456789abcdef')),
      regions: fc.oneof(text, fc.constantFrom('eu-west-1', 'us-east-1, ap-south-1')),
      endpoint: fc.oneof(fc.constant(''), text, fc.constantFrom('http://127.0.0.1:4566')),
      accessKeyId: text,
      secretAccessKey: text,
      url: fc.oneof(text, fc.constantFrom('https://netbox.example.com')),
      format: fc.constantFrom('csv', 'json') as fc.Arbitrary<'csv' | 'json'>,
      content: fc.oneof(text, fc.constant(CSV), fc.constant('[]')),
    });
    fc.assert(
      fc.property(arbitraryDraft, (d) => {
        const built = buildConnectorInput(d);
        const interval = parseInterval(d.interval);
        if (connectorNameError(d.name) !== undefined || !interval.ok) {
          expect(built.ok).toBe(false);
          return;
        }
        if (!built.ok) {
          expect(Object.keys(built.errors).length).toBeGreaterThan(0);
          return;
        }
        expect(built.input.intervalSeconds).toBe(interval.seconds);
        expect(built.input.name).toBe(d.name.trim());
        // Whatever the form lets through, the API's source accepts.
        if (d.kind === 'aws') {
          expect(() => parseAwsConfig(built.input.config)).not.toThrow();
          expect(() => parseAwsCredentials(built.input.credentials)).not.toThrow();
        }
        if (d.kind === 'netbox') {
          expect(() => parseNetBoxConfig(built.input.config)).not.toThrow();
          expect(() => parseNetBoxCredentials(built.input.credentials)).not.toThrow();
        }
        if (d.kind === 'file') expect(() => parseFileImportConfig(built.input.config)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe('editing a connector', () => {
  const file: EditableConnector = {
    kind: 'file',
    name: 'cmdb',
    config: { format: 'csv', content: CSV },
    enabled: true,
    intervalSeconds: 300,
    hasCredentials: false,
  };
  const aws: EditableConnector = {
    kind: 'aws',
    name: 'prod aws',
    // `roleArn` is set through the API only: the form has no field for it and must keep it.
    config: { regions: ['eu-west-1', 'us-east-1'], roleArn: 'arn:aws:iam::123456789012:role/read' },
    enabled: true,
    intervalSeconds: 600,
    hasCredentials: true,
  };
  const editDraft = (stored: EditableConnector, patch: Partial<ConnectorDraft> = {}): ConnectorDraft => {
    const start = draftFromConnector(stored);
    if (start === undefined) throw new Error(`no draft for ${stored.kind}`);
    return { ...start, ...patch };
  };

  it('prefills the stored config, name and interval, and never a secret', () => {
    expect(editDraft(file)).toMatchObject({ kind: 'file', name: 'cmdb', interval: '300', format: 'csv', content: CSV });
    expect(editDraft(aws)).toMatchObject({ regions: 'eu-west-1, us-east-1', accessKeyId: '', secretAccessKey: '' });
    const k8s = editDraft({
      ...aws,
      kind: 'k8s',
      config: { server: 'https://k:6443', clusterName: 'eu', insecureSkipTlsVerify: true },
    });
    expect(k8s).toMatchObject({ server: 'https://k:6443', clusterName: 'eu', insecureSkipTlsVerify: true, token: '' });
    expect(editDraft({ ...aws, config: { region: 'eu-west-2' } }).regions).toBe('eu-west-2');
    expect(draftFromConnector({ ...file, kind: 'gcp' })).toBeUndefined();
  });

  it('sends nothing for an untouched form, and only what changed otherwise', () => {
    expect(buildConnectorUpdate(editDraft(file), file)).toEqual({ ok: true, input: {} });
    expect(buildConnectorUpdate(editDraft(aws), aws)).toEqual({ ok: true, input: {} });
    expect(buildConnectorUpdate(editDraft(file, { name: ' cmdb v2 ', interval: '900' }), file)).toEqual({
      ok: true,
      input: { name: 'cmdb v2', intervalSeconds: 900 },
    });
    const json = '[{ "kind": "host", "externalId": "h" }]';
    expect(buildConnectorUpdate(editDraft(file, { format: 'json', content: json, enabled: false }), file)).toEqual({
      ok: true,
      input: { config: { format: 'json', content: json }, enabled: false },
    });
  });

  it('keeps config keys the form does not show, and stored secrets unless typed', () => {
    const regions = buildConnectorUpdate(editDraft(aws, { regions: 'eu-west-1' }), aws);
    expect(regions).toEqual({
      ok: true,
      input: { config: { regions: ['eu-west-1'], roleArn: 'arn:aws:iam::123456789012:role/read' } },
    });
    if (regions.ok) expect(parseAwsConfig(regions.input.config)).toMatchObject({ regions: ['eu-west-1'] });
    expect(buildConnectorUpdate(editDraft(aws, { accessKeyId: 'AKIA2', secretAccessKey: 'new-secret' }), aws)).toEqual({
      ok: true,
      input: { credentials: { accessKeyId: 'AKIA2', secretAccessKey: 'new-secret' } },
    });
    const netbox: EditableConnector = { ...aws, kind: 'netbox', config: { url: 'https://nb.example', pageSize: 50 } };
    expect(buildConnectorUpdate(editDraft(netbox, { token: '0123456789abcdef' }), netbox)).toEqual({
      ok: true,
      input: { credentials: { token: '0123456789abcdef' } },
    });
  });

  it('names wrong fields as the add form does; half a key pair, or a missing secret never stored, is wrong', () => {
    expect(buildConnectorUpdate(editDraft(file, { name: '', content: 'name,ips\nweb,10.0.0.1' }), file)).toEqual({
      ok: false,
      errors: {
        name: 'Enter a name for the connector.',
        content: 'The first line must name the columns; kind and externalId are missing.',
      },
    });
    expect(buildConnectorUpdate(editDraft(aws, { accessKeyId: 'AKIA2' }), aws)).toEqual({
      ok: false,
      errors: { secretAccessKey: 'Enter the secret access key.' },
    });
    expect(buildConnectorUpdate(editDraft(aws, { interval: '5' }), aws)).toEqual({
      ok: false,
      errors: { interval: 'Enter whole seconds from 30 to 86,400.' },
    });
    const netbox: EditableConnector = { ...aws, kind: 'netbox', config: { url: 'https://nb.example' } };
    expect(buildConnectorUpdate(editDraft(netbox, { token: 'short' }), netbox)).toMatchObject({
      ok: false,
      errors: { token: expect.stringMatching(/^Enter the NetBox API token/) },
    });
    const unsealed: EditableConnector = { ...netbox, hasCredentials: false };
    expect(buildConnectorUpdate(editDraft(unsealed), unsealed)).toMatchObject({
      ok: false,
      errors: { token: expect.any(String) },
    });
  });
});

describe('parseRegions and parseInterval', () => {
  it('reads regions split by commas, spaces or lines, each once in order', () => {
    expect(parseRegions(' eu-west-1,us-east-1\n\neu-west-1 ')).toEqual(['eu-west-1', 'us-east-1']);
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z]{2}-[a-z]{2,8}-\d$/), { maxLength: 10 }), (regions) => {
        expect(parseRegions(regions.join(', '))).toEqual([...new Set(regions)]);
      }),
    );
  });

  it('accepts whole seconds 30 to 86400 only', () => {
    expect(parseInterval('30')).toEqual({ ok: true, seconds: 30 });
    expect(parseInterval(' 86400 ')).toEqual({ ok: true, seconds: 86_400 });
    for (const bad of ['29', '86401', '1.5', '-40', '', '1e3', '300s']) expect(parseInterval(bad).ok).toBe(false);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000 }), (n) => {
        expect(parseInterval(String(n)).ok).toBe(n >= 30 && n <= 86_400);
      }),
    );
  });
});

describe('fieldForConnectorError', () => {
  const error = (message: string, field?: string) => ({ code: 'BAD_USER_INPUT', message, ...(field ? { field } : {}) });

  it('puts the API’s refusal under the field it names, within the kind’s form', () => {
    expect(
      fieldForConnectorError('k8s', error('config: config.server must be the API server URL (https://…)', 'config')),
    ).toBe('server');
    expect(
      fieldForConnectorError('netbox', error('config: credentials.token must be a NetBox API token', 'config')),
    ).toBe('token');
    expect(fieldForConnectorError('aws', error("config.regions: 'x' is not an AWS region", 'config'))).toBe('regions');
    expect(fieldForConnectorError('aws', error('config.stsEndpoint must be an http(s) URL', 'config'))).toBe(
      'endpoint',
    );
    expect(fieldForConnectorError('aws', error('credentials need accessKeyId and secretAccessKey', 'config'))).toBe(
      'accessKeyId',
    );
    expect(
      fieldForConnectorError('file', error('malformed: import rejected: line 3, field ips: not an IP', 'config')),
    ).toBe('content');
    expect(fieldForConnectorError('file', error('a connector named prod exists', 'name'))).toBe('name');
    expect(fieldForConnectorError('k8s', error('name may contain letters, digits, spaces'))).toBe('name');
    expect(fieldForConnectorError('k8s', error('intervalSeconds must not be less than 30'))).toBe('interval');
  });

  it('leaves a message about another kind’s field, or none, to the form', () => {
    expect(fieldForConnectorError('file', error('config.server must be the API server URL', 'config'))).toBeUndefined();
    expect(fieldForConnectorError('k8s', error('connector kind x has no source in this build'))).toBeUndefined();
    expect(asFieldMessage('config: config.url must be an http(s) URL')).toBe('Config.url must be an http(s) URL.');
    expect(asFieldMessage('malformed: import rejected: line 2: x.')).toBe('Import rejected: line 2: x.');
  });
});
