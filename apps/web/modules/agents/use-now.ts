'use client';

import { useEffect, useState } from 'react';

/** The current time, renewed every `tickMs`, so relative times ("5 s ago") count up between fetches. */
export function useNow(tickMs: number): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), tickMs);
    return () => clearInterval(timer);
  }, [tickMs]);
  return now;
}
