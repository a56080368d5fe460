import { InvalidRowError } from '../l7-rows';

/** What an agent says about the process behind a one-sided row or the observing end of a flow. */
export interface ReportedProcessIdentity {
  containerId: string;
  podUid: string;
  /** Unix microseconds; 0 when unknown. */
  processStartTime: number;
}

/**
 * Container ids are 64 hex characters from the cgroup path today; other runtimes use other lengths, so the shape is
 * checked loosely. Both become `Resource.externalId`s, so they are bounded and free of anything but id characters.
 */
const CONTAINER_ID_RE = /^[A-Za-z0-9]{1,128}$/;
/** Kubernetes pod UIDs are RFC 4122 UUIDs; connectors key pods by them, so an agent's pod joins the connector's. */
const POD_UID_RE = /^[A-Za-z0-9-]{1,64}$/;

/**
 * Checks the optional identity fields of a wire row (absent = ''/0) and returns them normalised; invalid values
 * refuse the whole batch like every other field (`prefix` names the row's list, e.g. `pairs[3].`).
 */
export function checkProcessIdentity(
  i: number,
  prefix: string,
  w: { containerId?: string; podUid?: string; processStartTime?: number },
): ReportedProcessIdentity {
  const containerId = w.containerId ?? '';
  const podUid = w.podUid ?? '';
  const processStartTime = w.processStartTime ?? 0;
  if (containerId !== '' && !CONTAINER_ID_RE.test(containerId)) {
    throw new InvalidRowError(i, `${prefix}containerId`, 'must be 1..128 letters or digits');
  }
  if (podUid !== '' && !POD_UID_RE.test(podUid)) {
    throw new InvalidRowError(i, `${prefix}podUid`, 'must be 1..64 letters, digits or dashes');
  }
  if (!Number.isSafeInteger(processStartTime) || processStartTime < 0) {
    throw new InvalidRowError(i, `${prefix}processStartTime`, 'must be a non-negative integer (unix µs)');
  }
  return { containerId, podUid, processStartTime };
}
