/** The identity the gateway tags a process's rows with (see ProcessIdentityCache). */
export interface ProcessIdentityFields {
  containerId: string;
  podUid: string;
  startTimeUs: number;
}

/** Looks a pid up (the agent's ProcessIdentityCache: one Map lookup on a hit), null when the process is gone. */
export type IdentifyProcess = (pid: number) => ProcessIdentityFields | null;

/**
 * Writes the process identity onto wire rows of one-sided or observed-process signals (profile samples, flow rows,
 * pair seconds), as request-log rows carry it: the gateway ties the process to its container and pod, and so to
 * its workload and namespace — which is what telemetry policies are written in. Rows of processes that are gone
 * keep the fields unset (the gateway then knows the process and its host only).
 */
export function annotateProcesses(
  rows: readonly { pid: number; containerId?: string; podUid?: string; processStartTime?: number }[],
  identify: IdentifyProcess,
): void {
  let lastPid = -1;
  let last: ProcessIdentityFields | null = null;
  for (const row of rows) {
    // Rows come grouped by process more often than not: skip the lookup for a run of the same pid.
    if (row.pid !== lastPid) {
      lastPid = row.pid;
      last = row.pid > 0 ? identify(row.pid) : null;
    }
    if (!last) continue;
    if (last.containerId) row.containerId = last.containerId;
    if (last.podUid) row.podUid = last.podUid;
    if (last.startTimeUs > 0) row.processStartTime = last.startTimeUs;
  }
}
