/**
 * IPv4/IPv6 + TCP header decoding for captured packets, into one reusable `TcpSegment` (no allocation per packet:
 * addresses stay as 32-bit words until a new flow needs their text). Packets start at the IP header: the capture
 * uses cooked packet sockets, so the kernel removed the link-layer header of whatever link type (`decodeEthernet`
 * covers raw Ethernet frames, e.g. from a pcap file or a SOCK_RAW socket). Never throws: anything that is not a
 * well-formed, unfragmented TCP segment returns a reason, which the caller counts.
 */

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

export type DecodeFailure =
  | 'not_ip'
  | 'truncated_ip'
  | 'bad_ip_header'
  | 'not_tcp'
  | 'fragment'
  | 'truncated_tcp'
  | 'bad_tcp_header';

export const DECODE_FAILURES: readonly DecodeFailure[] = [
  'not_ip',
  'truncated_ip',
  'bad_ip_header',
  'not_tcp',
  'fragment',
  'truncated_tcp',
  'bad_tcp_header',
];

/** The decoded headers of one segment; filled in place by `decodeIpTcp`. */
export interface TcpSegment {
  family: 4 | 6;
  /** Source and destination address as big-endian 32-bit words: IPv4 in [0], IPv6 in [0..3]. */
  readonly src: Uint32Array;
  readonly dst: Uint32Array;
  srcPort: number;
  dstPort: number;
  /** Sequence number of the first payload byte (of the SYN itself for a SYN). */
  seq: number;
  ack: number;
  flags: number;
  /** Payload length by the IP header: bytes on the wire, captured or not. */
  payloadLen: number;
  /** Where the captured payload starts in the buffer, and how much of it was captured (<= payloadLen). */
  payloadOffset: number;
  payloadCaptured: number;
}

export function newTcpSegment(): TcpSegment {
  return {
    family: 4,
    src: new Uint32Array(4),
    dst: new Uint32Array(4),
    srcPort: 0,
    dstPort: 0,
    seq: 0,
    ack: 0,
    flags: 0,
    payloadLen: 0,
    payloadOffset: 0,
    payloadCaptured: 0,
  };
}

/**
 * Decodes the IP packet at `buf[off, off + capLen)` (`wireLen` = its length on the wire, used when the IP header
 * leaves the length to the link: IPv4 GSO super-packets over 64 KiB carry total length 0, IPv6 jumbograms payload
 * length 0). Returns null on success, else why the packet is not a usable TCP segment.
 */
export function decodeIpTcp(
  buf: Uint8Array,
  off: number,
  capLen: number,
  ethertype: number,
  wireLen: number,
  out: TcpSegment,
): DecodeFailure | null {
  if (off < 0 || capLen < 0 || off + capLen > buf.length) return 'truncated_ip';
  let tcp: number;
  let ipEnd: number; // offset one past the IP packet's last byte on the wire (may exceed the capture)
  if (ethertype === ETHERTYPE_IPV4) {
    if (capLen < 20) return 'truncated_ip';
    const vihl = buf[off] as number;
    if (vihl >> 4 !== 4) return 'bad_ip_header';
    const ihl = (vihl & 0x0f) * 4;
    if (ihl < 20 || ihl > capLen) return 'bad_ip_header';
    if (buf[off + 9] !== 6) return 'not_tcp';
    const frag = ((buf[off + 6] as number) << 8) | (buf[off + 7] as number);
    if ((frag & 0x3fff) !== 0) return 'fragment'; // MF set or a non-zero offset: payload incomplete or headerless
    let total = ((buf[off + 2] as number) << 8) | (buf[off + 3] as number);
    if (total === 0) total = wireLen;
    if (total < ihl) return 'bad_ip_header';
    out.family = 4;
    out.src[0] = readU32(buf, off + 12);
    out.dst[0] = readU32(buf, off + 16);
    out.src[1] = out.src[2] = out.src[3] = 0;
    out.dst[1] = out.dst[2] = out.dst[3] = 0;
    tcp = off + ihl;
    ipEnd = off + total;
  } else if (ethertype === ETHERTYPE_IPV6) {
    if (capLen < 40) return 'truncated_ip';
    if ((buf[off] as number) >> 4 !== 6) return 'bad_ip_header';
    // Extension headers are not walked (the kernel filter already keeps only next header = TCP).
    if (buf[off + 6] !== 6) return 'not_tcp';
    let payload = ((buf[off + 4] as number) << 8) | (buf[off + 5] as number);
    if (payload === 0) payload = Math.max(0, wireLen - 40);
    out.family = 6;
    for (let i = 0; i < 4; i++) {
      out.src[i] = readU32(buf, off + 8 + 4 * i);
      out.dst[i] = readU32(buf, off + 24 + 4 * i);
    }
    tcp = off + 40;
    ipEnd = tcp + payload;
  } else {
    return 'not_ip';
  }
  const capEnd = off + capLen;
  if (tcp + 20 > capEnd) return 'truncated_tcp';
  if (tcp + 20 > ipEnd) return 'bad_tcp_header';
  const doff = ((buf[tcp + 12] as number) >> 4) * 4;
  if (doff < 20 || tcp + doff > ipEnd) return 'bad_tcp_header';
  out.srcPort = ((buf[tcp] as number) << 8) | (buf[tcp + 1] as number);
  out.dstPort = ((buf[tcp + 2] as number) << 8) | (buf[tcp + 3] as number);
  out.seq = readU32(buf, tcp + 4);
  out.ack = readU32(buf, tcp + 8);
  out.flags = buf[tcp + 13] as number;
  const payloadStart = tcp + doff;
  out.payloadLen = ipEnd - payloadStart;
  // TCP options past the snap length: nothing of the payload was captured (and the offset stays inside the capture).
  out.payloadOffset = Math.min(payloadStart, capEnd);
  out.payloadCaptured = Math.max(0, Math.min(capEnd, ipEnd) - payloadStart);
  return null;
}

/**
 * Skips an Ethernet header (and up to two VLAN tags) at `buf[off]`: the IP packet's offset and ethertype, or null
 * when the frame is too short.
 */
export function decodeEthernet(
  buf: Uint8Array,
  off: number,
  capLen: number,
): { offset: number; ethertype: number } | null {
  let p = off + 12;
  const end = off + capLen;
  if (end > buf.length || p + 2 > end) return null;
  let type = ((buf[p] as number) << 8) | (buf[p + 1] as number);
  for (let tags = 0; (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ) && tags < 2; tags++) {
    p += 4;
    if (p + 2 > end) return null;
    type = ((buf[p] as number) << 8) | (buf[p + 1] as number);
  }
  return { offset: p + 2, ethertype: type };
}

function readU32(buf: Uint8Array, off: number): number {
  return (
    (((buf[off] as number) << 24) |
      ((buf[off + 1] as number) << 16) |
      ((buf[off + 2] as number) << 8) |
      (buf[off + 3] as number)) >>>
    0
  );
}

/** Text form of an address held as words (only when a flow is created). */
export function formatAddress(family: 4 | 6, words: Uint32Array, at = 0): string {
  if (family === 4) {
    const w = words[at] as number;
    return `${w >>> 24}.${(w >>> 16) & 0xff}.${(w >>> 8) & 0xff}.${w & 0xff}`;
  }
  // IPv4-mapped addresses print as the socket tracer prints them.
  if (words[at] === 0 && words[at + 1] === 0 && words[at + 2] === 0xffff) {
    const w = words[at + 3] as number;
    return `::ffff:${w >>> 24}.${(w >>> 16) & 0xff}.${(w >>> 8) & 0xff}.${w & 0xff}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 4; i++) {
    const w = words[at + i] as number;
    groups.push(w >>> 16, w & 0xffff);
  }
  // RFC 5952: the longest run of two or more zero groups becomes '::'.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
