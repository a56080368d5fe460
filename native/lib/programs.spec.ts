// SPDX-License-Identifier: Apache-2.0
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SOCKET_TRACER_PROGRAMS } from './programs';

describe('SOCKET_TRACER_PROGRAMS', () => {
  it('names every program section of bpf/socket_trace.bpf.c, macro-generated ones included', () => {
    const source = fs.readFileSync(path.join(__dirname, '..', '..', 'bpf', 'socket_trace.bpf.c'), 'utf8');
    const direct = [...source.matchAll(/^SEC\("(tracepoint\/[^"]+)"\)/gm)].map((m) => m[1]);
    // DATA_SYSCALL(name, …) expands to sys_enter_<name> and sys_exit_<name>.
    const macro = [...source.matchAll(/^DATA_SYSCALL\((\w+),/gm)].flatMap((m) => [
      `tracepoint/syscalls/sys_enter_${m[1]}`,
      `tracepoint/syscalls/sys_exit_${m[1]}`,
    ]);
    expect(macro.length).toBeGreaterThan(0);
    expect([...SOCKET_TRACER_PROGRAMS].sort()).toEqual([...macro, ...direct].sort());
  });
});
