import { describe, expect, it } from 'vitest';
import { switcherValue, tenantOptions } from './tenant-options';

const acme = { slug: 'acme', name: 'Acme', role: 'owner', current: true };
const globex = { slug: 'globex', name: 'Globex', role: 'viewer', current: false };

describe('tenantOptions', () => {
  it('names each tenant, with the role in the tooltip', () => {
    expect(tenantOptions([acme, globex])).toEqual([
      { slug: 'acme', label: 'Acme', title: 'Acme (acme) · Owner' },
      { slug: 'globex', label: 'Globex', title: 'Globex (globex) · Viewer' },
    ]);
  });

  it('tells tenants with the same name apart by their slug', () => {
    const acmeEu = { slug: 'acme-eu', name: 'Acme', role: 'editor', current: false };
    expect(tenantOptions([acme, acmeEu, globex]).map((option) => option.label)).toEqual([
      'Acme (acme)',
      'Acme (acme-eu)',
      'Globex',
    ]);
  });
});

describe('switcherValue', () => {
  it('is the session’s tenant', () => {
    expect(switcherValue([acme, globex], 'globex')).toBe('acme');
    expect(
      switcherValue(
        [
          { ...acme, current: false },
          { ...globex, current: true },
        ],
        'acme',
      ),
    ).toBe('globex');
  });

  it('falls back to the tenant in the URL', () => {
    expect(switcherValue([{ ...acme, current: false }, globex], 'globex')).toBe('globex');
  });

  it('is undefined with nothing to switch between', () => {
    expect(switcherValue([], 'acme')).toBeUndefined();
    expect(switcherValue([acme], 'acme')).toBeUndefined();
  });
});
