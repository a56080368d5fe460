// SPDX-License-Identifier: Apache-2.0
/**
 * Loads the real BPF program into the running kernel, drives real traffic from child processes
 * and checks what arrives, like the kernel's prog_tests/ringbuf.c: filter on the child's pid,
 * assert both the delivered events and the BPF-side counters.
 *
 * Fails loudly when the host cannot run eBPF (with probeCapabilities()'s reasons), unless
 * BATHYSCOPE_SKIP_EBPF=1 is set explicitly.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  probeCapabilities,
  SOCKET_EVENT_FLAGS,
  SOCKET_TRACER_PROGRAMS,
  SOCKET_TRACER_TLS_FUNCTIONS,
  SocketTracer,
  tlsProgramNames,
} from './index';
import type { SocketEvent } from './types';

const SKIP = process.env.BATHYSCOPE_SKIP_EBPF === '1';
const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures');
const HTTP_CHILD = path.join(FIXTURES, 'http-roundtrips.cjs');
const SYSCALLS_CHILD = path.join(FIXTURES, 'syscalls.py');
const EVENT_LOOP_CHILD = path.join(FIXTURES, 'event-loop.py');
const FAN_OUT_CHILD = path.join(FIXTURES, 'fan-out.py');

if (SKIP) console.warn('BATHYSCOPE_SKIP_EBPF=1: skipping the real eBPF socket tracer tests');

interface ChildRun<T> {
  pid: number;
  result: Promise<T>;
  /** For children started with --wait: lets them go. */
  go(): void;
}

function runChild<T>(cmd: string, args: string[]): ChildRun<T> {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const result = new Promise<T>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`));
      else resolve(JSON.parse(stdout.trim()) as T);
    });
  });
  return { pid: child.pid!, result, go: () => child.stdin.end('go\n') };
}

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (e: SocketEvent) => e.data.toString('latin1');

/**
 * The data events of a fixture server's main thread (tid = pid; its clients and upstreams are other threads): `one`
 * is the trace id of the single event with this payload and direction, `seen` whether a payload has arrived.
 */
function mainThreadOf(events: SocketEvent[], pid: number) {
  const server = () => events.filter((e) => e.kind === 'data' && e.pid === pid && e.tid === pid);
  return {
    one(payload: string, direction: 'ingress' | 'egress'): number {
      const hits = server().filter((e) => text(e) === payload && e.direction === direction);
      expect(hits, `${direction} ${payload}`).toHaveLength(1);
      return hits[0]!.traceId!;
    },
    seen: (payload: string) => server().some((e) => text(e) === payload),
  };
}

/** Ids of loaded BPF programs carrying our program names (bpftool lists every program). */
function ourProgramIds(): number[] {
  const ours = new Set(['enter_sendmsg', 'exit_recvmsg', 'enter_close', 'exit_accept4']);
  const progs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8' })) as {
    id: number;
    name?: string;
  }[];
  return progs.filter((p) => p.name !== undefined && ours.has(p.name)).map((p) => p.id);
}

/** BPF program fds this process holds (the tracer's loaded programs). */
function bpfProgramFds(): number {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:bpf-prog';
    } catch {
      return false;
    }
  }).length;
}

describe('SocketTracer arguments', () => {
  it('rejects bad options and arguments with TypeError / RangeError', () => {
    if (SKIP) return;
    expect(() => new SocketTracer({ ringBufferBytes: 'big' as unknown as number })).toThrow(TypeError);
    expect(() => new SocketTracer({ ringBufferBytes: 3 << 20 })).toThrow(RangeError);
    expect(() => new SocketTracer({ pollerNice: '-5' as unknown as number })).toThrow(TypeError);
    expect(() => new SocketTracer({ pollerNice: -21 })).toThrow(RangeError);
    expect(() => new SocketTracer({ pollerNice: 2.5 })).toThrow(RangeError);
    expect(() => new SocketTracer({ payloadCap: 16385 })).toThrow(RangeError);
    expect(() => new SocketTracer({ maxInFlightBytes: 0 })).toThrow(RangeError);
    expect(() => new SocketTracer({ maxInFlightBytes: 2 ** 31 })).toThrow(RangeError);
    expect(() => new SocketTracer({ ignorePids: [0] })).toThrow(RangeError);
    expect(() => new SocketTracer({ ignorePids: 'x' as unknown as number[] })).toThrow(TypeError);
    const t = new SocketTracer();
    expect(() => t.start(42 as unknown as () => void)).toThrow(TypeError);
    expect(() => t.ignorePid('1' as unknown as number)).toThrow(TypeError);
    expect(() => t.ignorePid(1.5)).toThrow(RangeError);
    t.close();
    expect(() => t.start(() => {})).toThrow(/closed/);
  });
});

describe.skipIf(SKIP)('SocketTracer on the real kernel', () => {
  let tracer: SocketTracer | undefined;

  beforeAll(() => {
    const caps = probeCapabilities();
    if (!caps.ok) {
      throw new Error(
        `the eBPF socket tracer cannot run on this host (kernel ${caps.kernel}):\n  - ${caps.problems.join('\n  - ')}\n` +
          'Set BATHYSCOPE_SKIP_EBPF=1 to skip these tests explicitly.',
      );
    }
  });

  afterEach(() => {
    tracer?.close();
    tracer = undefined;
  });

  async function startCollecting(options = {}): Promise<{ events: SocketEvent[]; calls: () => number }> {
    const events: SocketEvent[] = [];
    let calls = 0;
    tracer = new SocketTracer(options);
    await tracer.start((batch) => {
      calls++;
      for (const e of batch) events.push(e);
    });
    return { events, calls: () => calls };
  }

  // Both builds of the program: 'direct' (BTF-typed loads, kernels >= 6.2) and 'compat' (probe reads).
  it.each(['direct', 'compat'] as const)(
    'captures both directions of HTTP requests with pid, ports, addresses and lifecycle events (%s)',
    async (variant) => {
      const { events } = await startCollecting({ variant });
      expect(tracer!.variant).toBe(variant);
      const N = 5;
      const t0 = process.hrtime.bigint();
      const child = runChild<{ pid: number; port: number; clientPorts: number[] }>(process.execPath, [
        HTTP_CHILD,
        '127.0.0.1',
        String(N),
      ]);
      const { pid, port, clientPorts } = await child.result;
      const mine = () => events.filter((e) => e.pid === pid);
      // Each of the N connections ends with two closes; the listener adds one more.
      await waitFor(() => mine().filter((e) => e.kind === 'close').length >= 2 * N + 1);
      const t1 = process.hrtime.bigint();
      const ev = mine();
      expect(clientPorts).toHaveLength(N);

      for (const e of ev) {
        expect(e.pid).toBe(pid);
        expect(e.tid).toBe(pid); // node does socket I/O on its main thread
        expect(e.comm).toBe('node');
        expect(e.family).toBe(4);
        expect(e.localAddr).toBe('127.0.0.1');
        expect(e.tsNs > t0 && e.tsNs < t1).toBe(true); // CLOCK_MONOTONIC, same as hrtime
        if (e.kind === 'data') {
          expect(e.data.length).toBe(Math.min(e.totalLen, 4096));
          expect(e.syscall).toMatch(/^(read|write|readv|writev|sendto|recvfrom|sendmsg|recvmsg)$/);
        }
      }

      for (let i = 0; i < N; i++) {
        const cport = clientPorts[i]!;
        const client = (e: SocketEvent) =>
          e.localPort === cport && e.remotePort === port && e.remoteAddr === '127.0.0.1';
        const server = (e: SocketEvent) =>
          e.localPort === port && e.remotePort === cport && e.remoteAddr === '127.0.0.1';
        const request = `GET /req-${i} HTTP/1.1\r\n`;
        const body = `ok:/req-${i}:0`;

        const connect = ev.find((e) => e.kind === 'connect' && client(e));
        const accept = ev.find((e) => e.kind === 'accept' && server(e));
        expect(connect, `connect of request ${i}`).toBeDefined();
        expect(accept, `accept of request ${i}`).toBeDefined();
        expect(connect!.direction).toBe('egress');
        expect(accept!.direction).toBe('ingress');

        const clientOut = ev.filter((e) => e.kind === 'data' && client(e) && e.direction === 'egress');
        const serverIn = ev.filter((e) => e.kind === 'data' && server(e) && e.direction === 'ingress');
        const serverOut = ev.filter((e) => e.kind === 'data' && server(e) && e.direction === 'egress');
        const clientIn = ev.filter((e) => e.kind === 'data' && client(e) && e.direction === 'ingress');
        const joined = (list: SocketEvent[]) => Buffer.concat(list.map((e) => e.data)).toString('latin1');
        expect(joined(clientOut).startsWith(request)).toBe(true);
        expect(joined(serverIn)).toBe(joined(clientOut)); // same bytes seen from both ends
        expect(joined(serverOut).startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
        expect(joined(serverOut).endsWith(body)).toBe(true);
        expect(joined(clientIn)).toBe(joined(serverOut));
        for (const e of [...clientOut, ...clientIn]) expect(e.sockId).toBe(connect!.sockId);
        for (const e of [...serverIn, ...serverOut]) expect(e.sockId).toBe(accept!.sockId);

        expect(ev.some((e) => e.kind === 'close' && e.sockId === connect!.sockId)).toBe(true);
        expect(ev.some((e) => e.kind === 'close' && e.sockId === accept!.sockId)).toBe(true);
      }
      // No event is about anything but this traffic (no pipes, no ttys, no other ports).
      for (const e of ev) expect(e.localPort === port || e.remotePort === port).toBe(true);

      await sleep(120); // one flush interval, then the counters are final for this load
      const stats = tracer!.stats();
      expect(stats.submitted).toBeGreaterThanOrEqual(ev.length);
      expect(stats.dropped).toBe(0);
      expect(stats.userDropped).toBe(0);
      expect(stats.payloadFaults).toBe(0);
      expect(stats.delivered).toBeGreaterThanOrEqual(ev.length);
      expect(stats.delivered).toBeLessThanOrEqual(stats.submitted);
    },
    30_000,
  );

  it.each(['auto', 'compat'] as const)(
    'covers every hooked syscall, IPv6, unconnected UDP, the payload cap and iovec truncation (%s)',
    async (variant) => {
      const { events } = await startCollecting({ variant });
      expect(['direct', 'compat']).toContain(tracer!.variant); // 'auto' resolves to a real variant
      const out = await runChild<Record<string, number>>('python3', [SYSCALLS_CHILD]).result;
      const pid = out.pid!;
      const mine = () => events.filter((e) => e.pid === pid);
      await waitFor(() => mine().some((e) => e.family === 6 && e.kind === 'close' && e.remotePort === 0));
      const ev = mine();
      const find = (syscall: string, starts: string) =>
        ev.filter((e) => e.kind === 'data' && e.syscall === syscall && text(e).startsWith(starts));
      const tcpC = out.tcpClientPort!;
      const tcpS = out.tcpServerPort!;

      const expectOne = (syscall: string, payload: string, dir: 'egress' | 'ingress', lport: number, rport: number) => {
        const hits = find(syscall, payload);
        expect(hits, `${syscall} ${payload}`).toHaveLength(1);
        const e = hits[0]!;
        expect(text(e)).toBe(payload);
        expect(e.totalLen).toBe(payload.length);
        expect(e.direction).toBe(dir);
        expect([e.localPort, e.remotePort]).toEqual([lport, rport]);
        return e;
      };
      expectOne('write', 'write:hello', 'egress', tcpC, tcpS);
      expectOne('read', 'write:hello', 'ingress', tcpS, tcpC);
      expectOne('writev', 'writev:AAAABBBB', 'egress', tcpC, tcpS);
      expectOne('readv', 'writev:AAAABBBB', 'ingress', tcpS, tcpC);
      expectOne('sendmsg', 'sendmsg:onetwo', 'egress', tcpC, tcpS);
      expectOne('recvmsg', 'sendmsg:onetwo', 'ingress', tcpS, tcpC);
      expectOne('sendto', 'send:x', 'egress', tcpC, tcpS);
      expectOne('recvfrom', 'send:x', 'ingress', tcpS, tcpC);

      // 10000-byte send: 4096 bytes captured, full length reported, bytes intact.
      const big = ev.find((e) => e.syscall === 'sendto' && e.totalLen === 10000)!;
      expect(big).toBeDefined();
      expect(big.data.length).toBe(4096);
      expect([...big.data.subarray(0, 300)]).toEqual(Array.from({ length: 300 }, (_, i) => i % 251));
      const bigIn = ev.filter((e) => e.syscall === 'recvfrom' && e.localPort === tcpS && e.totalLen > 6);
      expect(bigIn.reduce((n, e) => n + e.totalLen, 0)).toBe(10000);

      // writev of 20 x 10 bytes: the first 16 segments are copied, flagged as truncated.
      const many = ev.find((e) => e.syscall === 'writev' && e.totalLen === 200)!;
      expect(many.data.toString()).toBe(
        Array.from({ length: 16 }, (_, i) => String.fromCharCode(65 + i).repeat(10)).join(''),
      );
      expect(many.flags! & SOCKET_EVENT_FLAGS.iovTruncated).toBeTruthy();

      // accept(2) and accept4(2).
      expect(ev.some((e) => e.kind === 'accept' && e.syscall === 'accept4' && e.remotePort === tcpC)).toBe(true);
      expect(
        ev.some((e) => e.kind === 'accept' && e.syscall === 'accept' && e.remotePort === out.acceptClientPort),
      ).toBe(true);

      // Unconnected UDP: the peer comes from the sockaddr argument.
      const u1 = out.udp1Port!;
      const u2 = out.udp2Port!;
      const udp = (syscall: string, payload: string, lport: number, rport: number) => {
        const e = expectOne(syscall, payload, syscall.startsWith('send') ? 'egress' : 'ingress', lport, rport);
        expect(e.remoteAddr).toBe('127.0.0.1');
        expect(e.flags! & SOCKET_EVENT_FLAGS.addrFromMsg).toBeTruthy();
      };
      udp('sendto', 'udp:ping', u1, u2);
      udp('recvfrom', 'udp:ping', u2, u1);
      udp('sendmsg', 'udp:pong', u2, u1);
      udp('recvmsg', 'udp:pong', u1, u2);

      // recvfrom(MSG_TRUNC) returns more than the buffer holds: never copy past the buffer.
      expect(out.truncRet).toBe(1000);
      const trunc = ev.find((e) => e.syscall === 'recvfrom' && e.totalLen === 1000)!;
      expect(trunc.data.toString()).toBe('T'.repeat(10));

      // IPv6 loopback.
      const v6 = expectOne('sendto', 'v6:hello', 'egress', out.v6ClientPort!, out.v6ServerPort!);
      expect([v6.family, v6.localAddr, v6.remoteAddr]).toEqual([6, '::1', '::1']);
      expect(ev.some((e) => e.kind === 'connect' && e.family === 6 && e.remotePort === out.v6ServerPort)).toBe(true);

      // The pipe traffic never shows up.
      expect(ev.some((e) => text(e).includes('pipe:'))).toBe(false);
      expect(tracer!.stats().dropped).toBe(0);
    },
    30_000,
  );

  it.each(['direct', 'compat'] as const)(
    'keeps each request its trace id on an event-loop server that reads the next request before it answers (%s)',
    async (variant) => {
      const { events } = await startCollecting({ variant });
      const out = await runChild<{ pid: number; port: number; aPort: number; bPort: number }>('python3', [
        EVENT_LOOP_CHILD,
      ]).result;
      const { one, seen } = mainThreadOf(events, out.pid);
      await waitFor(() => seen('RESP-A-second'));

      const a = one('REQ-A-part1|', 'ingress');
      const b = one('REQ-B', 'ingress');
      expect(a).toBeGreaterThan(0);
      expect(b).toBeGreaterThan(0);
      expect(b).not.toBe(a);
      expect(one('UP-A', 'egress'), "A's outbound call").toBe(a);
      expect(one('REQ-A-part2', 'ingress'), "the rest of A's request, read after B's").toBe(a);
      expect(one('UPREPLY-A', 'ingress'), "the upstream's reply to A's call, read after B's request").toBe(a);
      expect(one('RESP-A:head|', 'egress'), "A's answer, given after B's request was read").toBe(a);
      expect(one('RESP-A:body', 'egress'), "the second write of A's answer").toBe(a);
      expect(one('RESP-B', 'egress'), "B's answer").toBe(b);
      const next = one('REQ-A-second', 'ingress');
      expect([a, b], "A's next request is a trace of its own").not.toContain(next);
      expect(one('RESP-A-second', 'egress')).toBe(next);
    },
    30_000,
  );

  it.each(['direct', 'compat'] as const)(
    'keeps a request its trace id on the replies of several calls in flight at once, parked or not (%s)',
    async (variant) => {
      const { events } = await startCollecting({ variant });
      const out = await runChild<{ pid: number }>('python3', [FAN_OUT_CHILD]).result;
      const { one, seen } = mainThreadOf(events, out.pid);
      await waitFor(() => seen('RESP-B'));

      const a = one('REQ-A', 'ingress');
      expect(a).toBeGreaterThan(0);
      expect(one('UP1-A', 'egress')).toBe(a);
      expect(one('UP2-A', 'egress')).toBe(a);
      expect(one('R-UP2-A', 'ingress'), "the later call's reply").toBe(a);
      expect(one('R-UP1-A', 'ingress'), "the earlier call's reply, read after the later one's").toBe(a);
      expect(one('RESP-A', 'egress'), "A's answer").toBe(a);

      const b = one('REQ-B', 'ingress');
      const a2 = one('REQ-A2', 'ingress');
      expect(new Set([a, b, a2]).size, 'three requests, three traces').toBe(3);
      for (const call of ['UP3-B', 'UP4-B', 'UP5-B']) expect(one(call, 'egress'), call).toBe(b);
      expect(one('RESP-A2', 'egress')).toBe(a2);
      for (const reply of ['R-UP5-B', 'R-UP3-B', 'R-UP4-B']) {
        expect(one(reply, 'ingress'), `${reply}, read after A's next request took the thread over`).toBe(b);
      }
      expect(one('RESP-B', 'egress'), "B's answer").toBe(b);
    },
    30_000,
  );

  it('runs its poller thread at the nice value asked for, and only that thread', async () => {
    // Field 19 of /proc/<pid>/task/<tid>/stat is the nice value; comm (field 2) may hold spaces, so split after ')'.
    const niceOf = (tid: string) => {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const before = new Map(fs.readdirSync('/proc/self/task').map((tid) => [tid, niceOf(tid)]));
    for (const asked of [-10, 5]) {
      tracer = new SocketTracer({ pollerNice: asked });
      await tracer.start(() => {});
      await waitFor(() => tracer!.stats().pollerNice !== null);
      expect(tracer.stats().pollerNice).toBe(asked); // the tests run as root (CAP_SYS_NICE)
      const changed = fs.readdirSync('/proc/self/task').filter((tid) => niceOf(tid) !== (before.get(tid) ?? 0));
      expect(changed).toHaveLength(1);
      expect(niceOf(String(process.pid))).toBe(before.get(String(process.pid)));
      tracer.close();
      tracer = undefined;
    }
  });

  it('ignores pids in the kernel (ignorePid while running)', async () => {
    const { events } = await startCollecting();
    const ignored = runChild<{ pid: number }>(process.execPath, [HTTP_CHILD, '127.0.0.1', '3', '--wait']);
    const control = runChild<{ pid: number }>(process.execPath, [HTTP_CHILD, '127.0.0.1', '3', '--wait']);
    tracer!.ignorePid(ignored.pid);
    ignored.go();
    control.go();
    await Promise.all([ignored.result, control.result]);
    await waitFor(() => events.filter((e) => e.pid === control.pid && e.kind === 'close').length >= 7);
    await sleep(150);
    expect(events.filter((e) => e.pid === control.pid).length).toBeGreaterThan(10);
    expect(events.filter((e) => e.pid === ignored.pid)).toEqual([]);
    // The test process itself is ignored by default (ignoreSelf).
    expect(events.filter((e) => e.pid === process.pid)).toEqual([]);
  }, 30_000);

  it('close() detaches: no callbacks afterwards, programs unloaded, a second tracer starts', async () => {
    const baseline = ourProgramIds();
    expect(bpfProgramFds()).toBe(0);
    const first = await startCollecting();
    expect(tracer!.running).toBe(true);
    expect(ourProgramIds().length).toBeGreaterThan(baseline.length);
    // programs() names what the kernel holds for this process: one program fd per attach point.
    const tlsLibrary = tracer!.tls.library;
    expect(tracer!.programs()).toEqual(
      tlsLibrary === null ? [...SOCKET_TRACER_PROGRAMS] : [...SOCKET_TRACER_PROGRAMS, ...tlsProgramNames(tlsLibrary)],
    );
    // Every program of the object is loaded (the OpenSSL uprobe/uretprobe pairs too, attached or not).
    expect(bpfProgramFds()).toBe(SOCKET_TRACER_PROGRAMS.length + 2 * SOCKET_TRACER_TLS_FUNCTIONS.length);
    tracer!.close();
    expect(tracer!.running).toBe(false);
    expect(tracer!.programs()).toEqual([]);
    expect(bpfProgramFds()).toBe(0);
    tracer!.close(); // idempotent
    const callsAtClose = first.calls();
    const eventsAtClose = first.events.length;

    const afterClose = await runChild<{ pid: number }>(process.execPath, [HTTP_CHILD, '127.0.0.1', '2']).result;
    await sleep(200);
    expect(first.calls()).toBe(callsAtClose);
    expect(first.events.length).toBe(eventsAtClose);
    expect(first.events.some((e) => e.pid === afterClose.pid)).toBe(false);
    // Program objects are freed after an RCU grace period: give it a moment.
    await waitFor(() => ourProgramIds().length === baseline.length, 3000);
    expect(ourProgramIds()).toEqual(baseline);

    const second = await startCollecting();
    const run = await runChild<{ pid: number }>(process.execPath, [HTTP_CHILD, '127.0.0.1', '2']).result;
    await waitFor(() => second.events.filter((e) => e.pid === run.pid && e.kind === 'close').length >= 5);
    expect(second.events.filter((e) => e.pid === run.pid && e.kind === 'data').length).toBeGreaterThanOrEqual(8);
  }, 30_000);

  // By count, and by memory: 300 KiB holds one batch of the default 256 KiB (+ 16 KiB for a maximal record).
  it.each([
    ['count', { maxInFlightBatches: 1 }],
    ['memory', { maxInFlightBytes: 300 << 10 }],
  ])(
    'bounds in-flight batches (%s): a stalled JS thread turns into userDropped, not memory growth',
    async (_, bound) => {
      const events: SocketEvent[] = [];
      let stalled = false;
      tracer = new SocketTracer({ ...bound, flushIntervalMs: 2, wakeupBytes: 0 });
      await tracer.start((batch) => {
        events.push(...batch);
        if (!stalled) {
          stalled = true;
          const until = Date.now() + 1500; // block the JS thread while traffic keeps flowing
          while (Date.now() < until) {
            // spin
          }
        }
      });
      // Enough traffic in the background that the poller flushes many batches during the stall.
      const child = spawn('python3', [SYSCALLS_CHILD], { stdio: 'ignore' });
      const bursts = spawn(process.execPath, [HTTP_CHILD, '127.0.0.1', '200'], { stdio: 'ignore' });
      await Promise.all([new Promise((r) => child.on('exit', r)), new Promise((r) => bursts.on('exit', r))]);
      await waitFor(() => stalled);
      await sleep(200);
      const s = tracer.stats();
      expect(s.userDropped).toBeGreaterThan(0);
      expect(s.inFlightBatches).toBeLessThanOrEqual(1);
      expect(s.delivered + s.userDropped).toBeLessThanOrEqual(s.submitted);
      expect(s.delivered).toBe(events.length);
    },
    30_000,
  );

  it('rides out a short JS stall with events waiting in the kernel ring: nothing dropped', async () => {
    let delivered = 0;
    let stalled = false;
    tracer = new SocketTracer({ maxInFlightBatches: 1, maxBlockMs: 3000, flushIntervalMs: 2, wakeupBytes: 0 });
    await tracer.start((batch) => {
      delivered += batch.length;
      if (!stalled) {
        stalled = true;
        const until = Date.now() + 300;
        while (Date.now() < until) {
          // spin: the poller must wait for this batch's slot instead of dropping the next ones
        }
      }
    });
    const bursts = spawn(process.execPath, [HTTP_CHILD, '127.0.0.1', '200'], { stdio: 'ignore' });
    await new Promise((r) => bursts.on('exit', r));
    await waitFor(() => stalled);
    await waitFor(() => {
      const s = tracer?.stats();
      return s !== undefined && s.delivered + s.dropped >= s.submitted;
    });
    const s = tracer.stats();
    expect(s.userDropped).toBe(0);
    expect(s.dropped).toBe(0);
    expect(s.delivered).toBe(delivered);
    expect(s.delivered).toBeGreaterThan(0);
  }, 30_000);
});
