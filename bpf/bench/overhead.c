// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// Syscall cost microbenchmark for the socket tracer: ns per write+read pair on a pipe (the
// "not a socket" filter path every file/pipe/tty syscall on the host takes) and on a TCP loopback
// connection (the capture path). Run it with and without a tracer attached and compare.
// usage: overhead [pairs=200000] [bytes=64] [pipe|tcp|both]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double pairs(int wfd, int rfd, long n, size_t size) {
  char buf[65536];
  memset(buf, 'x', sizeof(buf));
  double t0 = now_ns();
  for (long i = 0; i < n; i++) {
    if (write(wfd, buf, size) != (ssize_t)size) { perror("write"); exit(1); }
    size_t got = 0;
    while (got < size) {
      ssize_t r = read(rfd, buf, sizeof(buf));
      if (r <= 0) { perror("read"); exit(1); }
      got += r;
    }
  }
  return (now_ns() - t0) / n;
}

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 200000;
  size_t size = argc > 2 ? (size_t)atol(argv[2]) : 64;
  int p[2];
  if (pipe(p)) return 1;
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t al = sizeof(a);
  if (bind(l, (void*)&a, sizeof(a)) || listen(l, 1) || getsockname(l, (void*)&a, &al)) return 1;
  int c = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(c, (void*)&a, sizeof(a))) return 1;
  int s = accept(l, NULL, NULL);
  pairs(p[1], p[0], n / 10, size);  // warm up
  pairs(c, s, n / 10, size);
  const char* mode = argc > 3 ? argv[3] : "both";
  if (strcmp(mode, "tcp") != 0) printf("pipe %zuB write+read: %.0f ns\n", size, pairs(p[1], p[0], n, size));
  if (strcmp(mode, "pipe") != 0) printf("tcp  %zuB write+read: %.0f ns\n", size, pairs(c, s, n, size));
  return 0;
}
