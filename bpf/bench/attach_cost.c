// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// Holds one attachment kind of attach_cost.bpf.c until killed: `attach_cost tp` (four per-syscall tracepoints)
// or `attach_cost raw` (raw sys_enter + sys_exit). Prints "attached" once ready. Driven by attach-cost.mjs.
#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "attach_cost.skel.h"

int main(int argc, char **argv) {
  if (argc != 2 || (strcmp(argv[1], "tp") != 0 && strcmp(argv[1], "raw") != 0)) {
    fprintf(stderr, "usage: attach_cost tp|raw\n");
    return 2;
  }
  struct attach_cost *skel = attach_cost__open_and_load();
  if (!skel) return 1;
  const char *prefix = strcmp(argv[1], "tp") == 0 ? "tp_" : "raw_";
  struct bpf_program *prog;
  bpf_object__for_each_program(prog, skel->obj) {
    if (strncmp(bpf_program__name(prog), prefix, strlen(prefix)) != 0) continue;
    if (!bpf_program__attach(prog)) {
      perror(bpf_program__name(prog));
      return 1;
    }
  }
  printf("attached\n");
  fflush(stdout);
  pause();
  return 0;
}
