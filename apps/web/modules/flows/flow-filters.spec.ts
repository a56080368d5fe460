import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FLOW_FILTERS,
  fieldError,
  flowFiltersFromSearchParams,
  flowFiltersToSearchParams,
  toFlowFilterInput,
} from './flow-filters';
import { requestLogLinkFor } from './paths';

describe('flow filters', () => {
  it('round-trips through the URL and keeps defaults out of it', () => {
    const filters = {
      ...DEFAULT_FLOW_FILTERS,
      range: '6h' as const,
      namespace: 'shop',
      serverPort: '443',
      closeType: 'reset',
      protocol: 'tcp',
    };
    const params = flowFiltersToSearchParams(filters);
    expect(params.toString()).toBe('range=6h&namespace=shop&serverPort=443&protocol=tcp&close=reset');
    expect(flowFiltersFromSearchParams(Object.fromEntries(params))).toEqual(filters);
    expect(flowFiltersToSearchParams(DEFAULT_FLOW_FILTERS).toString()).toBe('');
  });

  it('drops unknown values from the URL', () => {
    const f = flowFiltersFromSearchParams({ range: 'forever', protocol: 'icmp', close: 'x', pod: 'p'.repeat(300) });
    expect(f).toEqual(DEFAULT_FLOW_FILTERS);
  });

  it('turns valid text into the API filter and leaves invalid text out', () => {
    expect(
      toFlowFilterInput({
        ...DEFAULT_FLOW_FILTERS,
        clientIp: ' 10.0.0.7 ',
        serverIp: '10.0.0.300',
        serverPort: '80',
        minRttMs: '12.5',
        minRetrans: 'x',
        workload: 'web',
      }),
    ).toEqual({ clientIp: '10.0.0.7', serverPort: 80, minRttUs: 12_500, workload: 'web' });
    expect(toFlowFilterInput(DEFAULT_FLOW_FILTERS)).toBeUndefined();
    expect(fieldError('serverIp', '10.0.0.300')).toMatch(/IPv4/);
    expect(fieldError('serverIp', 'fd00::1')).toBeNull();
    expect(fieldError('serverPort', '70000')).toMatch(/port/);
  });

  it('links an end of a flow to the request log by its most specific name', () => {
    const end = { pod: 'api-1', workload: 'api', service: 'api', host: 'node-1' };
    expect(requestLogLinkFor('acme', end, '1h')).toBe('/t/acme/requests?pod=api-1');
    expect(requestLogLinkFor('acme', { ...end, pod: '' }, '6h')).toBe('/t/acme/requests?workload=api&range=6h');
    expect(requestLogLinkFor('acme', { pod: '', workload: '', service: '', host: '' }, '1h')).toBeNull();
  });
});
