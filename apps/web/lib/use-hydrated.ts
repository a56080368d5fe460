'use client';

import { useSyncExternalStore } from 'react';

const subscribe = (): (() => void) => () => {};

/**
 * False during server rendering and hydration, true once React owns the page. Controls are disabled
 * until then: a form submitted before hydration would go to the server as a plain GET (credentials in
 * the URL), and input made before hydration can be overwritten by it. Browser tests wait for
 * enabled controls, so this also removes a race from them.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
