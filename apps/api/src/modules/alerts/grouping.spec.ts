import { describe, expect, it } from 'vitest';
import { decideNotification, digestOf, groupAlerts, type NotifiableAlert, notificationKey } from './grouping.js';

const t = (s: number) => new Date(1_700_000_000_000 + s * 1000);
const timing = { groupWaitSeconds: 30, groupIntervalSeconds: 300, repeatIntervalSeconds: 3600 };
const alert = (fp: string, status: 'firing' | 'resolved', labels: Record<string, string> = {}): NotifiableAlert => ({
  fingerprint: fp,
  status,
  labels: { alertname: 'HighErrors', ...labels },
});

describe('notification grouping', () => {
  it('groups by alertname and the group-by labels', () => {
    const groups = groupAlerts(
      'r1',
      [
        alert('1', 'firing', { service: 'a', pod: 'x' }),
        alert('2', 'firing', { service: 'a', pod: 'y' }),
        alert('3', 'firing', { service: 'b' }),
      ],
      ['service'],
    );
    expect(groups.map((g) => g.alerts.length).sort()).toEqual([1, 2]);
    const a = groups.find((g) => g.groupLabels.service === 'a');
    expect(a?.groupLabels).toEqual({ alertname: 'HighErrors', service: 'a' });
    expect(a?.groupKey).toBe('{}/{rule_id="r1"}:{alertname="HighErrors",service="a"}');
  });

  it('waits group_wait before the first notification of a group', () => {
    const state = { firstSeenAt: t(0), lastNotifiedAt: null, lastDigest: '' };
    expect(decideNotification([alert('1', 'firing')], state, timing, t(10)).send).toBe(false);
    expect(decideNotification([alert('1', 'firing')], state, timing, t(30))).toMatchObject({
      send: true,
      reason: 'new group',
    });
  });

  it('sends changes at most every group_interval, and repeats unchanged groups every repeat_interval', () => {
    const firing = [alert('1', 'firing')];
    const state = { firstSeenAt: t(0), lastNotifiedAt: t(30), lastDigest: digestOf(firing) };
    expect(decideNotification(firing, state, timing, t(100)).send).toBe(false);
    const changed = [alert('1', 'firing'), alert('2', 'firing')];
    expect(decideNotification(changed, state, timing, t(100))).toMatchObject({ send: false, reason: 'group_interval' });
    expect(decideNotification(changed, state, timing, t(330))).toMatchObject({ send: true, reason: 'changed' });
    expect(decideNotification([alert('1', 'resolved')], state, timing, t(330))).toMatchObject({ send: true });
    expect(decideNotification(firing, state, timing, t(3630))).toMatchObject({ send: true, reason: 'repeat' });
  });

  it('says nothing about alerts that resolved before anyone was told they fired', () => {
    const state = { firstSeenAt: t(0), lastNotifiedAt: null, lastDigest: '' };
    expect(decideNotification([alert('1', 'resolved')], state, timing, t(60)).send).toBe(false);
  });

  it('derives the same idempotency key from the same state, another after the next notification', () => {
    const d = digestOf([alert('1', 'firing')]);
    expect(notificationKey('g', d, null)).toBe(notificationKey('g', d, null));
    expect(notificationKey('g', d, null)).not.toBe(notificationKey('g', d, t(30)));
    expect(notificationKey('g', d, null)).not.toBe(notificationKey('h', d, null));
  });
});
