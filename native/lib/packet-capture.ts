// SPDX-License-Identifier: Apache-2.0
/**
 * AF_PACKET capture of TCP segments with payload (native/src/packet_capture.cc): the wire's view of the requests the
 * socket tracer sees in syscalls. Cooked sockets (link headers stripped by the kernel), a classic BPF socket filter,
 * TPACKET_V3 rings; packets arrive in batches, each record starting at the IP header.
 *
 * ```ts
 * const capture = new PacketCapture({ interfaces: ['lo'], snaplen: 512 });
 * capture.start((batch) => forEachPacket(batch, (p) => handle(p)));
 * capture.close();
 * ```
 */
import { loadNativeAddon } from './addon';

export interface PacketCaptureOptions {
  /** Interfaces to capture on; empty or absent: every interface that is up at start (at most 64). */
  interfaces?: string[];
  /** Bytes kept per packet from the IP header, 128..65535 (default 512). */
  snaplen?: number;
  /** TPACKET_V3 block size, a power of two (default 256 KiB); the ring of each interface is `blocks` of them. */
  blockBytes?: number;
  /** Blocks per interface ring, 2..256 (default 8). */
  blocks?: number;
  /** Longest time a packet waits before delivery, ms (default 50). */
  flushIntervalMs?: number;
  maxBatchBytes?: number;
  /** Batches queued towards JavaScript (default 32); past it the poller waits `maxBlockMs`, then drops (counted). */
  maxInFlightBatches?: number;
  maxBlockMs?: number;
}

export interface PacketCaptureStats {
  /** Packets the filters accepted into the rings (kernel count, includes drops). */
  kernelPackets: number;
  /** Packets the kernel dropped because a ring was full. */
  kernelDrops: number;
  ringFreezes: number;
  /** Packets delivered to JavaScript. */
  delivered: number;
  /** Packets dropped in user space because JavaScript fell behind. */
  userDropped: number;
  batches: number;
  inFlightBatches: number;
}

interface NativePacketCapture {
  start(onBatch: (batch: Buffer) => void): void;
  stats(): PacketCaptureStats;
  close(): void;
  ref(): void;
  unref(): void;
  running(): boolean;
  interfaces(): { name: string; ifindex: number }[];
}

interface PacketAddon {
  PacketCapture: new (options?: PacketCaptureOptions) => NativePacketCapture;
  PACKET_BATCH_MAGIC: number;
  PACKET_BATCH_VERSION: number;
  PACKET_RECORD_HEADER: number;
}

export const PACKET_BATCH_MAGIC = 0x31505342;
export const PACKET_BATCH_VERSION = 1;
export const PACKET_BATCH_HEADER = 12;
export const PACKET_RECORD_HEADER = 24;
/** The socket filters the capture attaches (no kprobes, no tracepoints), for the capability report. */
export const PACKET_CAPTURE_PROGRAMS: readonly string[] = ['socket_filter/af_packet_tcp_payload'];

/** `sll_pkttype` values the records carry. */
export const PACKET_TYPE = { host: 0, broadcast: 1, multicast: 2, otherhost: 3, outgoing: 4 } as const;

/**
 * One captured packet, as a reusable view: `forEachPacket` fills the same object for every record of a batch, so
 * decoding allocates nothing per packet but the timestamp. The IP packet is `batch[offset, offset + capLen)`.
 */
export interface PacketRecord {
  batch: Buffer;
  /** CLOCK_MONOTONIC ns (the socket tracer's clock), converted from the kernel's receive time. */
  tsNs: bigint;
  ifindex: number;
  /** 0x0800 IPv4, 0x86dd IPv6. */
  ethertype: number;
  pkttype: number;
  /** Length of the IP packet on the wire. */
  wireLen: number;
  /** Bytes captured (<= wireLen, <= snaplen). */
  capLen: number;
  offset: number;
}

export type PacketBatchErrorCode = 'short_batch' | 'bad_magic' | 'bad_version' | 'bad_record';

export class PacketBatchError extends Error {
  constructor(
    readonly code: PacketBatchErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PacketBatchError';
  }
}

/**
 * Calls `visit` for each packet of a batch with the same `PacketRecord` object (copy what must outlive the call).
 * Throws PacketBatchError on a malformed batch before visiting anything past the fault; returns the packet count.
 */
export function forEachPacket(batch: Buffer, visit: (p: PacketRecord) => void): number {
  if (batch.length < PACKET_BATCH_HEADER)
    throw new PacketBatchError('short_batch', 'packet batch shorter than its header');
  if (batch.readUInt32LE(0) !== PACKET_BATCH_MAGIC) throw new PacketBatchError('bad_magic', 'not a packet batch');
  const version = batch.readUInt16LE(4);
  const headerSize = batch.readUInt16LE(6);
  if (version !== PACKET_BATCH_VERSION || headerSize !== PACKET_RECORD_HEADER) {
    throw new PacketBatchError('bad_version', `packet batch v${version}/${headerSize}: rebuild @bathyscope/native`);
  }
  const count = batch.readUInt32LE(8);
  const rec: PacketRecord = {
    batch,
    tsNs: 0n,
    ifindex: 0,
    ethertype: 0,
    pkttype: 0,
    wireLen: 0,
    capLen: 0,
    offset: 0,
  };
  let off = PACKET_BATCH_HEADER;
  for (let i = 0; i < count; i++) {
    if (off + PACKET_RECORD_HEADER > batch.length) throw new PacketBatchError('bad_record', `record ${i} cut short`);
    const capLen = batch.readUInt32LE(off + 20);
    if (off + PACKET_RECORD_HEADER + capLen > batch.length) {
      throw new PacketBatchError('bad_record', `record ${i} runs past the batch`);
    }
    rec.tsNs = batch.readBigUInt64LE(off);
    rec.ifindex = batch.readUInt32LE(off + 8);
    rec.ethertype = batch.readUInt16LE(off + 12);
    rec.pkttype = batch[off + 14] as number;
    rec.wireLen = batch.readUInt32LE(off + 16);
    rec.capLen = capLen;
    rec.offset = off + PACKET_RECORD_HEADER;
    visit(rec);
    off += PACKET_RECORD_HEADER + capLen;
  }
  return count;
}

/** Builds a batch in the native layout (tests, benchmarks, replays). */
export function encodePacketBatch(
  packets: readonly {
    tsNs: bigint;
    ifindex?: number;
    ethertype: number;
    pkttype?: number;
    wireLen?: number;
    data: Buffer;
  }[],
): Buffer {
  const size = packets.reduce((n, p) => n + PACKET_RECORD_HEADER + p.data.length, PACKET_BATCH_HEADER);
  const out = Buffer.alloc(size);
  out.writeUInt32LE(PACKET_BATCH_MAGIC, 0);
  out.writeUInt16LE(PACKET_BATCH_VERSION, 4);
  out.writeUInt16LE(PACKET_RECORD_HEADER, 6);
  out.writeUInt32LE(packets.length, 8);
  let off = PACKET_BATCH_HEADER;
  for (const p of packets) {
    out.writeBigUInt64LE(p.tsNs, off);
    out.writeUInt32LE(p.ifindex ?? 1, off + 8);
    out.writeUInt16LE(p.ethertype, off + 12);
    out[off + 14] = p.pkttype ?? 0;
    out.writeUInt32LE(p.wireLen ?? p.data.length, off + 16);
    out.writeUInt32LE(p.data.length, off + 20);
    p.data.copy(out, off + PACKET_RECORD_HEADER);
    off += PACKET_RECORD_HEADER + p.data.length;
  }
  return out;
}

/** One capture = one packet socket + ring per interface; `close()` releases them. Not restartable. */
export class PacketCapture {
  readonly #native: NativePacketCapture;

  /** Validates options (TypeError/RangeError); opens nothing until `start`. */
  constructor(options: PacketCaptureOptions = {}) {
    const addon = loadNativeAddon() as unknown as PacketAddon;
    if (
      addon.PACKET_BATCH_MAGIC !== PACKET_BATCH_MAGIC ||
      addon.PACKET_BATCH_VERSION !== PACKET_BATCH_VERSION ||
      addon.PACKET_RECORD_HEADER !== PACKET_RECORD_HEADER
    ) {
      throw new Error('the native addon is stale (packet batch layout differs): rebuild @bathyscope/native');
    }
    this.#native = new addon.PacketCapture(options);
  }

  /** Opens the sockets (throws with the reason, e.g. missing CAP_NET_RAW or an unknown interface) and starts polling. */
  start(onBatch: (batch: Buffer) => void): void {
    if (typeof onBatch !== 'function') throw new TypeError('start(onBatch) needs a function');
    this.#native.start(onBatch);
  }

  stats(): PacketCaptureStats {
    return this.#native.stats();
  }

  /** The interfaces being captured on (those up at start when none were named). */
  interfaces(): { name: string; ifindex: number }[] {
    return this.#native.interfaces();
  }

  get running(): boolean {
    return this.#native.running();
  }

  unref(): this {
    this.#native.unref();
    return this;
  }

  ref(): this {
    this.#native.ref();
    return this;
  }

  /** Stops the poller and closes every socket; idempotent; no callback runs after it returns. */
  close(): void {
    this.#native.close();
  }
}
