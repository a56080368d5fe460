import * as fs from 'node:fs';
import * as os from 'node:os';
import type { HostFacts } from '@bathyscope/wire';

/** Capabilities that matter for eBPF capture, by bit number in /proc/<pid>/status CapEff. */
const CAPABILITY_BITS: Record<string, number> = {
  cap_dac_read_search: 2,
  cap_net_admin: 12,
  cap_sys_ptrace: 19,
  cap_sys_admin: 21,
  cap_sys_resource: 24,
  cap_perfmon: 38,
  cap_bpf: 39,
};

/** The effective capabilities of this process that eBPF capture uses (names, sorted). */
export function effectiveCapabilities(statusText: string): string[] {
  const m = /^CapEff:\s*([0-9a-f]+)$/im.exec(statusText);
  if (!m) return [];
  const mask = BigInt(`0x${m[1]}`);
  return Object.entries(CAPABILITY_BITS)
    .filter(([, bit]) => (mask >> BigInt(bit)) & 1n)
    .map(([name]) => name)
    .sort();
}

function readFirst(files: string[]): string | undefined {
  for (const f of files) {
    try {
      return fs.readFileSync(f, 'utf8').trim();
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/**
 * What the agent tells the control plane about its host when it enrolls. The machine-id identifies the machine
 * across re-enrollments (a reinstall keeps its agent); enrollment is refused without one.
 */
export function gatherHostFacts(agentVersion: string, root = '/'): HostFacts {
  const p = (f: string) => `${root.replace(/\/$/, '')}${f}`;
  const machineId = readFirst([p('/etc/machine-id'), p('/var/lib/dbus/machine-id')])?.toLowerCase();
  if (!machineId || !/^[0-9a-f]{32}$/.test(machineId)) {
    throw new Error('no valid /etc/machine-id: run systemd-machine-id-setup (or dbus-uuidgen) first');
  }
  const ips = Object.values(os.networkInterfaces())
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => !!a && !a.internal)
    .map((a) => a.address);
  let status = '';
  try {
    status = fs.readFileSync('/proc/self/status', 'utf8');
  } catch {
    // not Linux: no capabilities to report
  }
  return {
    hostname: os.hostname().slice(0, 253),
    machineId,
    kernel: os.release().slice(0, 128),
    ips: [...new Set(ips)].slice(0, 64),
    btf: fs.existsSync(p('/sys/kernel/btf/vmlinux')),
    capabilities: effectiveCapabilities(status),
    cgroupVersion: fs.existsSync(p('/sys/fs/cgroup/cgroup.controllers')) ? 2 : 1,
    agentVersion,
  };
}
