'use client';

import { useEffect, useRef } from 'react';

/**
 * Calls `poll` every `intervalMs` while `enabled`, skipping ticks while the tab is hidden. `poll`
 * decides for itself whether a fetch already in flight makes this tick moot; the latest `poll` is
 * called, so it need not be memoized.
 */
export function usePolling(poll: () => void, intervalMs: number, enabled: boolean): void {
  const pollRef = useRef(poll);

  useEffect(() => {
    pollRef.current = poll;
  }, [poll]);

  useEffect(() => {
    if (!enabled) return;
    const timer = setInterval(() => {
      // No point polling for a tab nobody is looking at.
      if (document.visibilityState === 'hidden') return;
      pollRef.current();
    }, intervalMs);
    return () => clearInterval(timer);
  }, [enabled, intervalMs]);
}
