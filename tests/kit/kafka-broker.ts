import * as net from 'node:net';

/**
 * A single-node Kafka broker on loopback that speaks the real wire protocol for what a producer needs:
 * ApiVersions (v0–v2), Metadata (v0) and Produce (v3, record batches). No Kafka can be installed on these machines
 * (neither Debian nor npm ship one), so the agent's Kafka parser is exercised by a real client library (kafkajs)
 * against this. Produce to a topic whose name contains `denied` is answered TOPIC_AUTHORIZATION_FAILED (29).
 */
export interface KafkaBroker {
  port: number;
  /** Produce requests answered, per topic. */
  produced: Map<string, number>;
  close(): Promise<void>;
}

const API_PRODUCE = 0;
const API_METADATA = 3;
const API_VERSIONS = 18;
const TOPIC_AUTHORIZATION_FAILED = 29;
const UNSUPPORTED_VERSION = 35;

/** What this broker implements: [api key, min version, max version]. */
const SUPPORTED: [number, number, number][] = [
  [API_PRODUCE, 3, 3],
  [API_METADATA, 0, 0],
  [API_VERSIONS, 0, 2],
];

class Writer {
  private parts: Buffer[] = [];
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  int64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    this.parts.push(b);
    return this;
  }
  string(s: string): this {
    const bytes = Buffer.from(s);
    return this.int16(bytes.length).raw(bytes);
  }
  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  array<T>(items: readonly T[], each: (w: this, item: T) => void): this {
    this.int32(items.length);
    for (const item of items) each(this, item);
    return this;
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  constructor(
    private readonly buf: Buffer,
    public off: number,
  ) {}
  int16(): number {
    const v = this.buf.readInt16BE(this.off);
    this.off += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.off);
    this.off += 4;
    return v;
  }
  string(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    const s = this.buf.toString('utf8', this.off, this.off + len);
    this.off += len;
    return s;
  }
  bytes(): Buffer {
    const len = this.int32();
    const b = this.buf.subarray(this.off, this.off + Math.max(len, 0));
    this.off += Math.max(len, 0);
    return b;
  }
}

export async function startKafkaBroker(): Promise<KafkaBroker> {
  const produced = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  let port = 0;

  const answer = (apiKey: number, version: number, r: Reader): Buffer => {
    const w = new Writer();
    if (apiKey === API_VERSIONS) {
      w.int16(version <= 2 ? 0 : UNSUPPORTED_VERSION).array(SUPPORTED, (x, [key, min, max]) =>
        x.int16(key).int16(min).int16(max),
      );
      if (version >= 1) w.int32(0);
      return w.build();
    }
    if (apiKey === API_METADATA) {
      const count = r.int32();
      const topics: string[] = [];
      for (let i = 0; i < count; i++) topics.push(r.string() ?? '');
      return w
        .array([0], (x) => x.int32(0).string('127.0.0.1').int32(port))
        .array(topics, (x, topic) =>
          x
            .int16(0)
            .string(topic)
            .array([0], (y) =>
              y
                .int16(0)
                .int32(0)
                .int32(0)
                .array([0], (z) => z.int32(0))
                .array([0], (z) => z.int32(0)),
            ),
        )
        .build();
    }
    // Produce v3: transactional id, acks, timeout, [topic, [partition, record set]].
    r.string();
    r.int16();
    r.int32();
    const topicCount = r.int32();
    const results: { topic: string; partitions: number[] }[] = [];
    for (let i = 0; i < topicCount; i++) {
      const topic = r.string() ?? '';
      const partitions: number[] = [];
      const n = r.int32();
      for (let j = 0; j < n; j++) {
        partitions.push(r.int32());
        r.bytes();
      }
      results.push({ topic, partitions });
      produced.set(topic, (produced.get(topic) ?? 0) + 1);
    }
    return w
      .array(results, (x, { topic, partitions }) =>
        x.string(topic).array(partitions, (y, p) =>
          y
            .int32(p)
            .int16(topic.includes('denied') ? TOPIC_AUTHORIZATION_FAILED : 0)
            .int64(0n)
            .int64(-1n),
        ),
      )
      .int32(0)
      .build();
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (pending.length < 4 + size) break;
        const r = new Reader(pending, 4);
        const apiKey = r.int16();
        const version = r.int16();
        const correlationId = r.int32();
        r.string(); // client id
        const body = answer(apiKey, version, r);
        const head = Buffer.alloc(8);
        head.writeInt32BE(4 + body.length, 0);
        head.writeInt32BE(correlationId, 4);
        socket.write(Buffer.concat([head, body]));
        pending = pending.subarray(4 + size);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
  return {
    port,
    produced,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
