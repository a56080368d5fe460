import * as fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_CGROUP_IDENTITY, parseCgroupPath, pickCgroupPath } from './cgroup-path';

const ID = '3f2a9c0e6c1b4d7a8e5f0a1b2c3d4e5f60718293a4b5c6d7e8f9012345678abc';
const ID2 = 'aa11bb22cc33dd44ee55ff6600112233445566778899aabbccddeeff00112233';
const UID = '5a8e2f4c-1b3d-4e6f-9a0b-c1d2e3f4a5b6';
const UID_ = UID.replaceAll('-', '_');

describe('parseCgroupPath: real path shapes', () => {
  it.each([
    ['Docker, cgroupfs driver', `/docker/${ID}`, { containerId: ID, runtime: 'docker', podUid: '', systemdUnit: '' }],
    [
      'Docker, systemd driver',
      `/system.slice/docker-${ID}.scope`,
      { containerId: ID, runtime: 'docker', podUid: '', systemdUnit: '' },
    ],
    [
      'Kubernetes cgroupfs, burstable pod, containerd',
      `/kubepods/burstable/pod${UID}/${ID}`,
      { containerId: ID, runtime: 'containerd', podUid: UID, systemdUnit: '' },
    ],
    [
      'Kubernetes cgroupfs, guaranteed pod',
      `/kubepods/pod${UID}/${ID}`,
      { containerId: ID, runtime: 'containerd', podUid: UID, systemdUnit: '' },
    ],
    [
      'Kubernetes systemd driver, containerd',
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`,
      { containerId: ID, runtime: 'containerd', podUid: UID, systemdUnit: '' },
    ],
    [
      'Kubernetes systemd driver, besteffort, CRI-O',
      `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-${ID}.scope`,
      { containerId: ID, runtime: 'cri-o', podUid: UID, systemdUnit: '' },
    ],
    [
      'Kubernetes systemd driver, guaranteed pod, docker',
      `/kubepods.slice/kubepods-pod${UID_}.slice/docker-${ID}.scope`,
      { containerId: ID, runtime: 'docker', podUid: UID, systemdUnit: '' },
    ],
    [
      'Kubernetes cgroupfs, CRI-O',
      `/kubepods/besteffort/pod${UID}/crio-${ID}`,
      { containerId: ID, runtime: 'cri-o', podUid: UID, systemdUnit: '' },
    ],
    [
      'a pod whose container is not started yet (pod slice only)',
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`,
      { containerId: '', runtime: '', podUid: UID, systemdUnit: '' },
    ],
    [
      'Podman rootful',
      `/machine.slice/libpod-${ID}.scope`,
      { containerId: ID, runtime: 'podman', podUid: '', systemdUnit: '' },
    ],
    [
      'Podman rootless (cgroup v2, inner "container" cgroup)',
      `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope/container`,
      { containerId: ID, runtime: 'podman', podUid: '', systemdUnit: '' },
    ],
    [
      'kind: a pod inside a Docker container — the innermost container is the process’s',
      `/docker/${ID2}/kubepods/besteffort/pod${UID}/${ID}`,
      { containerId: ID, runtime: 'containerd', podUid: UID, systemdUnit: '' },
    ],
    [
      'systemd service',
      '/system.slice/nginx.service',
      { containerId: '', runtime: '', podUid: '', systemdUnit: 'nginx.service' },
    ],
    [
      'templated systemd service',
      '/system.slice/system-getty.slice/getty@tty1.service',
      { containerId: '', runtime: '', podUid: '', systemdUnit: 'getty@tty1.service' },
    ],
    [
      'a process in the containerd service itself',
      '/system.slice/containerd.service',
      { containerId: '', runtime: '', podUid: '', systemdUnit: 'containerd.service' },
    ],
  ])('%s', (_name, path, expected) => {
    expect(parseCgroupPath(path)).toEqual(expected);
  });

  it.each([
    ['the root cgroup', '/'],
    ['a user session', '/user.slice/user-1000.slice/session-3.scope'],
    ['CRI-O conmon (the monitor, not the container)', `/machine.slice/crio-conmon-${ID}.scope`],
    ['Podman conmon', `/machine.slice/libpod-conmon-${ID}.scope`],
    ['a 63-hex id', `/docker/${ID.slice(1)}`],
    ['an upper-case id', `/docker/${ID.toUpperCase()}`],
    ['a pod uid with a bad group', `/kubepods/podzzzzzzzz-1b3d-4e6f-9a0b-c1d2e3f4a5b6/${ID}`.replace(ID, '')],
    ['empty', ''],
  ])('names nothing for %s', (_name, path) => {
    expect(parseCgroupPath(path)).toEqual(EMPTY_CGROUP_IDENTITY);
  });

  it('never throws and stays within what the path says, whatever the input', () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'docker',
        'kubepods',
        'kubepods.slice',
        `pod${UID}`,
        `cri-containerd-${ID}.scope`,
        ID,
        'x.service',
      ),
      fc.string({ maxLength: 80 }),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 12 }), fc.string({ maxLength: 20 }), (segments, tail) => {
        const path = `/${segments.join('/')}${tail}`;
        const id = parseCgroupPath(path);
        if (id.containerId) expect(path).toContain(id.containerId);
        if (id.podUid) expect(path.replaceAll('_', '-')).toContain(id.podUid);
        if (id.systemdUnit) expect(path).toContain(id.systemdUnit);
      }),
      { numRuns: 3000 },
    );
    expect(parseCgroupPath(`/${'a/'.repeat(10_000)}`)).toEqual(EMPTY_CGROUP_IDENTITY);
  });
});

describe('pickCgroupPath: /proc/<pid>/cgroup', () => {
  it('cgroup v2: the single unified line', () => {
    expect(pickCgroupPath(`0::/system.slice/docker-${ID}.scope\n`)).toEqual({
      path: `/system.slice/docker-${ID}.scope`,
      version: 2,
    });
  });

  it('cgroup v1: the controller line that names the container', () => {
    const text = [
      '12:pids:/',
      `11:memory:/kubepods/burstable/pod${UID}/${ID}`,
      `4:cpu,cpuacct:/kubepods/burstable/pod${UID}/${ID}`,
      '1:name=systemd:/',
      '',
    ].join('\n');
    expect(pickCgroupPath(text)).toEqual({ path: `/kubepods/burstable/pod${UID}/${ID}`, version: 1 });
    expect(parseCgroupPath(pickCgroupPath(text)?.path ?? '')).toMatchObject({ containerId: ID, podUid: UID });
  });

  it('hybrid host whose unified line is just "/": the v1 path with the container wins', () => {
    const text = `9:name=systemd:/docker/${ID}\n4:memory:/docker/${ID}\n0::/\n`;
    expect(pickCgroupPath(text)?.path).toBe(`/docker/${ID}`);
  });

  it('a process in no container: the most specific path, v2 on a tie', () => {
    expect(pickCgroupPath('1:name=systemd:/system.slice/ssh.service\n0::/system.slice/ssh.service\n')).toEqual({
      path: '/system.slice/ssh.service',
      version: 2,
    });
  });

  it('this process’s own file parses', () => {
    expect(pickCgroupPath(fs.readFileSync('/proc/self/cgroup', 'utf8'))?.path).toMatch(/^\//);
  });

  it('never throws on garbage, truncated or interleaved lines', () => {
    const real = `11:memory:/kubepods/burstable/pod${UID}/${ID}\n0::/kubepods/burstable/pod${UID}/${ID}\n`;
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.nat(), (junk, cut) => {
        pickCgroupPath(junk);
        pickCgroupPath(real.slice(0, cut % real.length) + junk);
        pickCgroupPath(junk + real);
      }),
      { numRuns: 2000 },
    );
    expect(pickCgroupPath('')).toBeNull();
    expect(pickCgroupPath('garbage without colons')).toBeNull();
  });
});
