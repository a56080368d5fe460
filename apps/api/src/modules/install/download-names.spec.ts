import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDownloadName } from './download-names';

describe('parseDownloadName', () => {
  it('names the bundle, its checksum, the latest checksum and Node.js for each architecture', () => {
    expect(parseDownloadName('bathyscope-agent-linux-x64.tar.gz.sha256')).toEqual({
      kind: 'bundle-checksum',
      arch: 'x64',
    });
    expect(parseDownloadName('bathyscope-agent-0.1.0-linux-arm64.tar.gz')).toEqual({
      kind: 'bundle',
      version: '0.1.0',
      arch: 'arm64',
      checksum: false,
    });
    expect(parseDownloadName('bathyscope-agent-1.2.3-rc.1-linux-x64.tar.gz.sha256')).toEqual({
      kind: 'bundle',
      version: '1.2.3-rc.1',
      arch: 'x64',
      checksum: true,
    });
    expect(parseDownloadName('node-linux-x64')).toEqual({ kind: 'node', arch: 'x64', checksum: false });
    expect(parseDownloadName('node-linux-arm64.sha256')).toEqual({ kind: 'node', arch: 'arm64', checksum: true });
  });

  it('knows nothing else: other architectures, traversal, suffixes', () => {
    for (const name of [
      'bathyscope-agent-linux-riscv64.tar.gz.sha256',
      '../bathyscope-agent-0.1.0-linux-x64.tar.gz',
      'bathyscope-agent-0.1.0-linux-x64.tar.gz/..',
      'bathyscope-agent-0.1-linux-x64.tar.gz',
      'node-linux-x64.exe',
      'node',
      '',
    ]) {
      expect(parseDownloadName(name), name).toBeUndefined();
    }
  });

  it('never throws, and whatever it accepts is a plain file name (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('node-linux-x64', 'a/../b')), (name) => {
        const parsed = parseDownloadName(name);
        if (parsed) expect(name).toMatch(/^[A-Za-z0-9._-]+$/);
      }),
    );
  });
});
