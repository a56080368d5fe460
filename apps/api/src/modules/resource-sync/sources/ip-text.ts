import { isIPv4, isIPv6 } from 'node:net';

/**
 * Canonical text for an IP address, so the same address from two sources (or written two ways in one) is one key:
 * IPv4 dotted quad as is (Node rejects leading zeros), IPv6 in the WHATWG/RFC 5952 compressed lower-case form.
 * Returns null when the text is not an address.
 */
export function canonicalIp(text: string): string | null {
  if (isIPv4(text)) return text;
  if (!isIPv6(text) || text.includes('%')) return null;
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

/** Canonical `address/prefix`, or null when either half is invalid (prefix 0–32 for IPv4, 0–128 for IPv6). */
export function canonicalCidr(text: string): string | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const ip = canonicalIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (ip === null || !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  return prefix <= (ip.includes(':') ? 128 : 32) ? `${ip}/${prefix}` : null;
}
