import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { classifyAddress, refusalUnder, resolveWebhookTarget, WebhookTargetRefused } from './ssrf-guard.js';

const strict = { allowPrivate: false, allowCidrs: [] };

describe('SSRF address classifier', () => {
  it('refuses the classic targets by name', () => {
    expect(classifyAddress('169.254.169.254')).toBe('metadata');
    expect(classifyAddress('fd00:ec2::254')).toBe('metadata');
    expect(classifyAddress('::ffff:169.254.169.254')).toBe('metadata');
    expect(classifyAddress('127.0.0.1')).toBe('loopback');
    expect(classifyAddress('::1')).toBe('loopback');
    expect(classifyAddress('::ffff:127.0.0.1')).toBe('loopback');
    expect(classifyAddress('10.1.2.3')).toBe('private');
    expect(classifyAddress('172.16.0.1')).toBe('private');
    expect(classifyAddress('192.168.1.1')).toBe('private');
    expect(classifyAddress('100.64.0.1')).toBe('private');
    expect(classifyAddress('fd12:3456::1')).toBe('private');
    expect(classifyAddress('169.254.1.1')).toBe('link-local');
    expect(classifyAddress('fe80::1')).toBe('link-local');
    expect(classifyAddress('0.0.0.0')).toBe('non-public');
    expect(classifyAddress('224.0.0.1')).toBe('non-public');
    expect(classifyAddress('2002:7f00:1::')).toBe('non-public'); // 6to4 wrapping 127.0.0.1
    expect(classifyAddress('8.8.8.8')).toBeNull();
    expect(classifyAddress('2606:4700::1111')).toBeNull();
  });

  it('accepts exactly the addresses ipaddr.js calls unicast (random IPv4)', () => {
    fc.assert(
      fc.property(fc.ipV4(), (a) => {
        const isPublic = ipaddr.parse(a).range() === 'unicast';
        expect(classifyAddress(a) === null).toBe(isPublic);
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts exactly the addresses ipaddr.js calls unicast (random IPv6, mapped IPv4 judged as IPv4)', () => {
    fc.assert(
      fc.property(fc.ipV6(), (a) => {
        let ip: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(a);
        if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
        expect(classifyAddress(a) === null).toBe(ip.range() === 'unicast');
      }),
      { numRuns: 5000 },
    );
  });

  it('lets a deployment allow private ranges or CIDRs, never metadata by the blanket switch', () => {
    expect(refusalUnder({ allowPrivate: true, allowCidrs: [] }, '10.0.0.1')).toBeNull();
    expect(refusalUnder({ allowPrivate: true, allowCidrs: [] }, '127.0.0.1')).toBeNull();
    expect(refusalUnder({ allowPrivate: true, allowCidrs: [] }, '169.254.169.254')).toBe('metadata');
    const loopbackOnly = { allowPrivate: false, allowCidrs: [ipaddr.parseCIDR('127.0.0.0/8')] };
    expect(refusalUnder(loopbackOnly, '127.0.0.1')).toBeNull();
    expect(refusalUnder(loopbackOnly, '::ffff:127.0.0.1')).toBeNull();
    expect(refusalUnder(loopbackOnly, '10.0.0.1')).toBe('private');
    expect(refusalUnder(loopbackOnly, '::1')).toBe('loopback');
  });

  it('refuses URLs whose host is or resolves to a refused address, with the reason', async () => {
    await expect(resolveWebhookTarget('http://169.254.169.254/latest/meta-data', strict)).rejects.toMatchObject({
      reason: 'metadata',
    });
    await expect(resolveWebhookTarget('http://[fe80::1]/', strict)).rejects.toMatchObject({ reason: 'link-local' });
    await expect(resolveWebhookTarget('http://localhost:9/', strict)).rejects.toBeInstanceOf(WebhookTargetRefused);
    await expect(resolveWebhookTarget('ftp://example.com/', strict)).rejects.toMatchObject({ reason: 'scheme' });
    await expect(resolveWebhookTarget('https://8.8.8.8/hook', strict)).resolves.toMatchObject({
      address: '8.8.8.8',
      family: 4,
    });
  });
});
