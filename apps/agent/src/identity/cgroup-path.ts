/**
 * Container and pod identity from cgroup paths. Runtimes name a container's cgroup after its id, and the kubelet
 * names a pod's after its UID, in a few well-known shapes:
 *
 * | runtime / driver             | path                                                                                       |
 * | ---------------------------- | ------------------------------------------------------------------------------------------ |
 * | Docker, cgroupfs             | `/docker/<id>`                                                                             |
 * | Docker, systemd              | `/system.slice/docker-<id>.scope`                                                          |
 * | Kubernetes, cgroupfs         | `/kubepods/burstable/pod<uid>/<id>` (Guaranteed pods sit directly under `/kubepods`)       |
 * | Kubernetes, systemd          | `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice/cri-containerd-<id>.scope` |
 * | CRI-O                        | `…/crio-<id>.scope` (`crio-conmon-<id>.scope` is the monitor, not the container)          |
 * | Podman                       | `/machine.slice/libpod-<id>.scope`, rootless `…/user@1000.service/…/libpod-<id>.scope/container` |
 * | systemd service              | `/system.slice/nginx.service`                                                              |
 *
 * In the systemd form the pod UID's dashes become underscores (a dash separates slice levels there).
 * Nested runtimes (kind, Docker-in-Docker) put one path inside another: the innermost container is the process's.
 */

export interface CgroupIdentity {
  /** 64 hex characters, or '' when the path names no container. */
  containerId: string;
  runtime: 'docker' | 'containerd' | 'cri-o' | 'podman' | '';
  /** Kubernetes pod UID in its canonical dashed form, or ''. */
  podUid: string;
  /** The systemd unit the process runs in (`nginx.service`), or ''. */
  systemdUnit: string;
}

export const EMPTY_CGROUP_IDENTITY: CgroupIdentity = Object.freeze({
  containerId: '',
  runtime: '',
  podUid: '',
  systemdUnit: '',
});

const CONTAINER_SEGMENT_RE = /^(?:(docker|cri-containerd|containerd|crio|libpod)-)?([0-9a-f]{64})(?:\.scope)?$/;
const POD_RE = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?$/;
const UNIT_RE = /^[A-Za-z0-9:_.\\@-]{1,200}\.service$/;
/** Paths longer than this are not container paths worth the regex work (the kernel allows up to PATH_MAX). */
const MAX_PATH = 4096;

const RUNTIME: Record<string, CgroupIdentity['runtime']> = {
  docker: 'docker',
  'cri-containerd': 'containerd',
  containerd: 'containerd',
  crio: 'cri-o',
  libpod: 'podman',
};

/** Identity named by one cgroup path. Never throws. */
export function parseCgroupPath(cgroupPath: string): CgroupIdentity {
  if (cgroupPath.length === 0 || cgroupPath.length > MAX_PATH) return EMPTY_CGROUP_IDENTITY;
  let containerId = '';
  let runtime: CgroupIdentity['runtime'] = '';
  let podUid = '';
  let systemdUnit = '';
  let parent = '';
  for (const segment of cgroupPath.split('/')) {
    if (segment === '') continue;
    const container = CONTAINER_SEGMENT_RE.exec(segment);
    if (container) {
      containerId = container[2] as string;
      const prefix = container[1];
      // A bare id: Docker's cgroupfs driver, or a CRI runtime under a pod (containerd is the common one).
      runtime = prefix ? (RUNTIME[prefix] ?? '') : parent === 'docker' ? 'docker' : podUid ? 'containerd' : '';
      systemdUnit = '';
    } else {
      const pod = POD_RE.exec(segment);
      if (pod) {
        podUid = (pod[1] as string).replaceAll('_', '-');
        // A pod inside a container (kind) starts a new innermost scope.
        containerId = '';
        runtime = '';
      } else if (UNIT_RE.test(segment)) {
        systemdUnit = segment;
      }
    }
    parent = segment;
  }
  if (containerId === '' && podUid === '' && systemdUnit === '') return EMPTY_CGROUP_IDENTITY;
  return { containerId, runtime, podUid, systemdUnit };
}

export interface ProcCgroup {
  /** The path the identity is read from. */
  path: string;
  /** 2 when it came from the unified hierarchy (`0::`), 1 from a controller hierarchy. */
  version: 1 | 2;
}

/**
 * Picks the path of /proc/<pid>/cgroup to read identity from. cgroup v2 has one line, `0::<path>`. cgroup v1 (and
 * hybrid hosts, which have both) has a line per hierarchy; runtimes place a container in all of them, but the
 * unified line of a hybrid host is often just `/`, so the most specific path wins: the first one that names a
 * container, else the longest.
 */
export function pickCgroupPath(text: string): ProcCgroup | null {
  let best: ProcCgroup | null = null;
  let bestScore = -1;
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = first < 0 ? -1 : line.indexOf(':', first + 1);
    if (second < 0) continue;
    const path = line.slice(second + 1);
    if (!path.startsWith('/')) continue;
    const version = line.slice(0, second) === '0:' ? 2 : 1;
    const names = parseCgroupPath(path);
    const score = (names.containerId ? 1 << 20 : 0) + (names.podUid ? 1 << 19 : 0) + Math.min(path.length, 1 << 18);
    // Ties go to the unified hierarchy: its path is the one whose inode is the cgroup id BPF reports.
    if (score > bestScore || (score === bestScore && version === 2)) {
      best = { path, version };
      bestScore = score;
    }
  }
  return best;
}
