import { describe, expect, it } from 'vitest';
import { assertSafeUrl, ingestUrlFor, InstallUrlError, requestOrigin } from './install-urls';

describe('requestOrigin', () => {
  it('is the origin the caller used, IPv6 and default ports included', () => {
    expect(requestOrigin({ protocol: 'http', host: '127.0.0.1:3000' })).toBe('http://127.0.0.1:3000');
    expect(requestOrigin({ protocol: 'https', host: 'Console.Example.test' })).toBe('https://console.example.test');
    expect(requestOrigin({ protocol: 'https', host: 'console.example.test:443' })).toBe('https://console.example.test');
    expect(requestOrigin({ protocol: 'http', host: '[::1]:4000' })).toBe('http://[::1]:4000');
  });

  it('refuses hosts that are not a plain host[:port]', () => {
    for (const host of ['', 'a b', "x'.test", 'user@host', 'host/path', 'host?q', 'h:99999', 'x$(id)', 'a"b']) {
      expect(() => requestOrigin({ protocol: 'http', host }), host).toThrow(InstallUrlError);
    }
    expect(() => requestOrigin({ protocol: 'ftp', host: 'a' })).toThrow(InstallUrlError);
  });
});

describe('ingestUrlFor', () => {
  const config = { ingestPublicUrl: undefined, ingestPort: 4001 };

  it('is the caller’s host on the ingest port unless INGEST_PUBLIC_URL is set', () => {
    expect(ingestUrlFor('http://127.0.0.1:3000', config)).toBe('http://127.0.0.1:4001');
    expect(ingestUrlFor('https://console.example.test', config)).toBe('https://console.example.test:4001');
    expect(ingestUrlFor('http://[::1]:4000', config)).toBe('http://[::1]:4001');
    expect(ingestUrlFor('http://a', { ingestPublicUrl: 'https://ingest.example.test', ingestPort: 1 })).toBe(
      'https://ingest.example.test',
    );
  });

  it('refuses a configured URL that could not be baked into a script', () => {
    expect(() => ingestUrlFor('http://a', { ingestPublicUrl: "https://x'; id #", ingestPort: 1 })).toThrow(
      InstallUrlError,
    );
    expect(() => assertSafeUrl('https://x/$HOME')).toThrow(InstallUrlError);
    expect(assertSafeUrl('https://x.test/base/path')).toBe('https://x.test/base/path');
  });
});
