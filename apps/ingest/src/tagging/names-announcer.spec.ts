import { describe, expect, it, vi } from 'vitest';
import { namesAnnouncer, RESOURCE_NAMES_CHANNEL } from './invalidation';

describe('namesAnnouncer', () => {
  it('announces a burst of new resources once per interval, with the latest tenant', async () => {
    vi.useFakeTimers();
    try {
      const published: [string, string][] = [];
      const announce = namesAnnouncer(async (channel, message) => published.push([channel, message]), 1000);
      for (let i = 0; i < 50; i++) announce(7);
      announce(9);
      expect(published).toEqual([]);
      await vi.advanceTimersByTimeAsync(1000);
      expect(published).toEqual([[RESOURCE_NAMES_CHANNEL, '9']]);
      announce(7);
      await vi.advanceTimersByTimeAsync(1000);
      expect(published).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('swallows a failed publish (the dictionary lifetime is the fallback)', async () => {
    vi.useFakeTimers();
    try {
      const announce = namesAnnouncer(() => Promise.reject(new Error('redis down')), 10);
      announce(1);
      await vi.advanceTimersByTimeAsync(20);
    } finally {
      vi.useRealTimers();
    }
  });
});
