import { TCP_ACK, TCP_FIN, TCP_SYN } from './tcp-decoder';

/** Builds real IPv4/IPv6 + TCP packets (headers as a kernel writes them, checksums left 0) for specs and benches. */
export interface SegmentSpec {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  flags?: number;
  payload?: Buffer;
  /** TCP options bytes (multiple of 4), e.g. timestamps. */
  options?: number;
}

function v4(addr: string): number[] {
  return addr.split('.').map(Number);
}

function v6(addr: string): number[] {
  const [head, tail] = addr.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const n = Number.parseInt(g || '0', 16);
    return [n >> 8, n & 0xff];
  });
}

function tcpHeader(s: SegmentSpec): Buffer {
  const opt = s.options ?? 12;
  const h = Buffer.alloc(20 + opt);
  h.writeUInt16BE(s.sport, 0);
  h.writeUInt16BE(s.dport, 2);
  h.writeUInt32BE(s.seq >>> 0, 4);
  h.writeUInt32BE((s.ack ?? 0) >>> 0, 8);
  h[12] = ((20 + opt) / 4) << 4;
  h[13] = s.flags ?? TCP_ACK;
  h.writeUInt16BE(65535, 14);
  // NOP NOP + timestamps, as Linux sends them
  for (let i = 0; i < opt; i++) h[20 + i] = 1;
  return h;
}

export function ipv4Tcp(s: SegmentSpec): Buffer {
  const tcp = tcpHeader(s);
  const payload = s.payload ?? Buffer.alloc(0);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + tcp.length + payload.length, 2);
  ip.writeUInt16BE(0x4000, 6); // DF
  ip[8] = 64;
  ip[9] = 6;
  Buffer.from(v4(s.src)).copy(ip, 12);
  Buffer.from(v4(s.dst)).copy(ip, 16);
  return Buffer.concat([ip, tcp, payload]);
}

export function ipv6Tcp(s: SegmentSpec): Buffer {
  const tcp = tcpHeader(s);
  const payload = s.payload ?? Buffer.alloc(0);
  const ip = Buffer.alloc(40);
  ip[0] = 0x60;
  ip.writeUInt16BE(tcp.length + payload.length, 4);
  ip[6] = 6;
  ip[7] = 64;
  Buffer.from(v6(s.src)).copy(ip, 8);
  Buffer.from(v6(s.dst)).copy(ip, 24);
  return Buffer.concat([ip, tcp, payload]);
}

/** One keep-alive HTTP/1.1 exchange as packets: handshake, request, response, FIN both ways. */
export function httpExchange(opts: {
  client: string;
  server: string;
  cport: number;
  sport: number;
  iss: number;
  irs: number;
  path: string;
  /** Starting timestamp and step between packets, ns. */
  t0: bigint;
  step?: bigint;
  v6?: boolean;
  handshake?: boolean;
}): { tsNs: bigint; ethertype: number; data: Buffer }[] {
  const mk = opts.v6 ? ipv6Tcp : ipv4Tcp;
  const ethertype = opts.v6 ? 0x86dd : 0x0800;
  const req = Buffer.from(`GET ${opts.path} HTTP/1.1\r\nHost: svc\r\nUser-Agent: kit\r\n\r\n`);
  const body = 'ok';
  const resp = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  const c = { src: opts.client, dst: opts.server, sport: opts.cport, dport: opts.sport };
  const s = { src: opts.server, dst: opts.client, sport: opts.sport, dport: opts.cport };
  let cseq = opts.iss;
  let sseq = opts.irs;
  const out: Buffer[] = [];
  if (opts.handshake !== false) {
    out.push(mk({ ...c, seq: cseq, flags: TCP_SYN }));
    out.push(mk({ ...s, seq: sseq, ack: cseq + 1, flags: TCP_SYN | TCP_ACK }));
    cseq += 1;
    sseq += 1;
  }
  out.push(mk({ ...c, seq: cseq, ack: sseq, payload: req }));
  cseq += req.length;
  out.push(mk({ ...s, seq: sseq, ack: cseq, payload: resp }));
  sseq += resp.length;
  out.push(mk({ ...c, seq: cseq, ack: sseq, flags: TCP_FIN | TCP_ACK }));
  out.push(mk({ ...s, seq: sseq, ack: cseq + 1, flags: TCP_FIN | TCP_ACK }));
  const step = opts.step ?? 1000n;
  return out.map((data, i) => ({ tsNs: opts.t0 + BigInt(i) * step, ethertype, data }));
}
