import { type AgentConfig, DEFAULT_AGENT_CONFIG, validateAgentConfig } from '@bathyscope/wire/dist/agent-config';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ConfigDraft,
  configChanges,
  configFromDraft,
  draftFromConfig,
  errorsToFields,
  FIELD_RULES,
  fieldOfError,
  readStoredConfig,
} from './agent-config-form';

const defaults = (): ConfigDraft => draftFromConfig(DEFAULT_AGENT_CONFIG);

/** Valid configurations, as the schema allows them. */
const validConfig: fc.Arbitrary<AgentConfig> = fc.record({
  collectors: fc.record({ l7Requests: fc.boolean() }),
  protocols: fc.record({
    http1: fc.record({
      enabled: fc.boolean(),
      ports: fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { maxLength: 64 }),
    }),
  }),
  sampling: fc.record({ l7Rate: fc.double({ min: 0, max: 1, noNaN: true }) }),
  requestIdHeaders: fc.uniqueArray(fc.stringMatching(/^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/), { maxLength: 8 }),
  spool: fc.record({ maxPendingRows: fc.integer({ min: 1000, max: 5_000_000 }) }),
  limits: fc.record({ cpuPercent: fc.integer({ min: 5, max: 800 }), memoryMb: fc.integer({ min: 64, max: 65536 }) }),
  checkinIntervalSeconds: fc.integer({ min: 1, max: 300 }),
});

describe('agent configuration form', () => {
  it('turns the defaults into fields and back unchanged', () => {
    expect(defaults()).toEqual({
      l7Requests: true,
      http1Enabled: true,
      ports: '',
      l7Rate: '1',
      requestIdHeaders: 'x-request-id',
      maxPendingRows: '200000',
      cpuPercent: '100',
      memoryMb: '1024',
      checkinIntervalSeconds: '30',
    });
    expect(configFromDraft(defaults())).toEqual({ ok: true, config: DEFAULT_AGENT_CONFIG });
  });

  it('round-trips every valid configuration through the form (property)', () => {
    fc.assert(
      fc.property(validConfig, (config) => {
        expect(validateAgentConfig(config).ok).toBe(true);
        const back = configFromDraft(draftFromConfig(config));
        expect(back).toEqual({ ok: true, config });
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the settings the form does not show from the configuration being edited', () => {
    const base = {
      ...DEFAULT_AGENT_CONFIG,
      profiling: { enabled: false, frequencyHz: 49, intervalSeconds: 20 },
      signalReceiver: { enabled: true, listen: '127.0.0.1:4318' },
      hostMetrics: { enabled: true, intervalSeconds: 30 },
    };
    const draft = { ...draftFromConfig(base), l7Rate: '0.5' };
    expect(configFromDraft(draft, base)).toEqual({
      ok: true,
      config: { ...base, sampling: { l7Rate: 0.5 } },
    });
  });

  it('never throws on what a user can type, and any accepted document passes the schema (property)', () => {
    const text = fc.oneof(fc.string(), fc.constantFrom('', '0', '1.5', '-3', '1e3', '65536', 'x-id, X-Trace', '80,80'));
    fc.assert(
      fc.property(
        fc.record({
          l7Requests: fc.boolean(),
          http1Enabled: fc.boolean(),
          ports: text,
          l7Rate: text,
          requestIdHeaders: text,
          maxPendingRows: text,
          cpuPercent: text,
          memoryMb: text,
          checkinIntervalSeconds: text,
        }),
        (draft) => {
          const result = configFromDraft(draft);
          if (result.ok) expect(validateAgentConfig(result.config).ok).toBe(true);
          else expect(Object.keys(result.fields).length + result.other.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads lists and numbers the way people type them', () => {
    const result = configFromDraft({
      ...defaults(),
      ports: '80, 8080 443',
      requestIdHeaders: 'X-Request-ID, x-correlation-id',
      maxPendingRows: '250,000',
      l7Rate: ' 0.25 ',
    });
    expect(result.ok && result.config.protocols.http1.ports).toEqual([80, 8080, 443]);
    expect(result.ok && result.config.requestIdHeaders).toEqual(['x-request-id', 'x-correlation-id']);
    expect(result.ok && result.config.spool.maxPendingRows).toBe(250_000);
    expect(result.ok && result.config.sampling.l7Rate).toBe(0.25);
  });

  it('puts what the schema refuses under the field it is about, with the schema limits', () => {
    const cases: Array<[Partial<ConfigDraft>, keyof typeof FIELD_RULES]> = [
      [{ l7Rate: '1.5' }, 'l7Rate'],
      [{ l7Rate: 'half' }, 'l7Rate'],
      [{ ports: '80, 0' }, 'ports'],
      [{ ports: '80, 80' }, 'ports'],
      [{ ports: 'http' }, 'ports'],
      [{ requestIdHeaders: 'x-id, bad header?' }, 'requestIdHeaders'],
      [{ maxPendingRows: '10' }, 'maxPendingRows'],
      [{ cpuPercent: '12.5' }, 'cpuPercent'],
      [{ memoryMb: '' }, 'memoryMb'],
      [{ checkinIntervalSeconds: '301' }, 'checkinIntervalSeconds'],
    ];
    for (const [patch, field] of cases) {
      const result = configFromDraft({ ...defaults(), ...patch });
      expect(result.ok, JSON.stringify(patch)).toBe(false);
      if (!result.ok) expect(result.fields, JSON.stringify(patch)).toEqual({ [field]: FIELD_RULES[field] });
    }
    expect(FIELD_RULES.l7Rate).toContain('0 to 1');
    expect(FIELD_RULES.maxPendingRows).toContain('1,000 to 5,000,000');
    expect(FIELD_RULES.checkinIntervalSeconds).toContain('1 to 300');
  });

  it('maps the API’s JSON-pointer messages to fields, and keeps the rest as a list', () => {
    expect(fieldOfError('/sampling/l7Rate: must be <= 1')).toBe('l7Rate');
    expect(fieldOfError('/protocols/http1/ports/3: must be <= 65535')).toBe('ports');
    expect(fieldOfError('/requestIdHeaders: must NOT have more than 8 items')).toBe('requestIdHeaders');
    expect(fieldOfError('/spool: unknown field "x"')).toBeUndefined();
    expect(fieldOfError('/limitsX/cpuPercent: nope')).toBeUndefined();
    expect(
      errorsToFields([
        '/limits/memoryMb: must be >= 64',
        '/: unknown field "extra"',
        '/collectors/l7Requests: must be boolean',
      ]),
    ).toEqual({
      fields: { memoryMb: FIELD_RULES.memoryMb },
      other: ['/: unknown field "extra"', '/collectors/l7Requests: must be boolean'],
    });
  });

  it('starts from the defaults when a stored document is not one this console understands', () => {
    expect(readStoredConfig(DEFAULT_AGENT_CONFIG)).toEqual({ config: DEFAULT_AGENT_CONFIG, problems: [] });
    const odd = readStoredConfig({ ...DEFAULT_AGENT_CONFIG, future: true });
    expect(odd.config).toEqual(DEFAULT_AGENT_CONFIG);
    expect(odd.problems).toEqual(['/: unknown field "future"']);
  });

  it('lists what changed, leaf by leaf', () => {
    const next: AgentConfig = {
      ...DEFAULT_AGENT_CONFIG,
      sampling: { l7Rate: 0.5 },
      protocols: { http1: { enabled: true, ports: [8080] } },
    };
    expect(configChanges(DEFAULT_AGENT_CONFIG, next)).toEqual([
      'protocols.http1.ports: [] → [8080]',
      'sampling.l7Rate: 1 → 0.5',
    ]);
    expect(configChanges(DEFAULT_AGENT_CONFIG, { ...DEFAULT_AGENT_CONFIG })).toEqual([]);
  });
});
