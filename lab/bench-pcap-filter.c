/*
 * C baseline for benchmarks/.../FilterBenchmark.java: libpcap's own BPF interpreter (pcap_offline_filter) over
 * the first 16384 frames of a capture held in memory, for the same five expressions, compiled with
 * pcap_compile(optimize=1), and the "floor" program "ld #pktlen; ret a" (the loop, the call and a per-packet
 * result; FilterBenchmark has the same floor). Prints ns per packet (mean and best repetition) and the match
 * count of each expression (FilterBenchmark prints its match counts too: they must agree). Then times
 * pcap_compile of "host 198.18.0.1 or ... " with 1000 hosts, the input of FilterCompileBenchmark.
 *
 *   lab/bench-pcap-filter.sh CAPTURE.pcap [REPETITIONS]      (builds this file and runs it)
 *   bench-pcap-filter CAPTURE.pcap [REPETITIONS] [COMPILE_HOSTS]
 *
 * Not part of the Maven build.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define FRAMES 16384

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long max_rss_kib(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* "host 198.18.0.1 or host 198.18.0.2 or ..." with n distinct addresses from the benchmarking range
 * 198.18.0.0/15 (as FilterCompileBenchmark). */
static char *hosts_expression(int n) {
    size_t cap = (size_t) n * 32 + 1;
    char *s = malloc(cap);
    size_t len = 0;
    s[0] = 0;
    for (int i = 1; i <= n; i++) {
        len += snprintf(s + len, cap - len, "%shost 198.%d.%d.%d", i > 1 ? " or " : "", 18 + (i >> 16),
                        i >> 8 & 255, i & 255);
    }
    return s;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s CAPTURE.pcap [REPETITIONS] [COMPILE_HOSTS]\n", argv[0]);
        return 2;
    }
    int reps = argc > 2 ? atoi(argv[2]) : 200;
    int compile_hosts = argc > 3 ? atoi(argv[3]) : 1000;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (p == NULL) {
        fprintf(stderr, "pcap_open_offline: %s\n", err);
        return 1;
    }
    if (pcap_datalink(p) != DLT_EN10MB) {
        fprintf(stderr, "capture is not Ethernet\n");
        return 1;
    }

    /* The frames, back to back in one buffer (like FilterBenchmark's heap buffer). */
    static struct pcap_pkthdr hdrs[FRAMES];
    static const u_char *data[FRAMES];
    size_t cap = 16u << 20, used = 0;
    u_char *buf = malloc(cap);
    size_t offsets[FRAMES];
    int n = 0;
    struct pcap_pkthdr *h;
    const u_char *d;
    while (n < FRAMES && pcap_next_ex(p, &h, &d) == 1) {
        if (used + h->caplen > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        memcpy(buf + used, d, h->caplen);
        hdrs[n] = *h;
        offsets[n] = used;
        used += h->caplen;
        n++;
    }
    if (n != FRAMES) {
        fprintf(stderr, "capture has %d packets, need %d\n", n, FRAMES);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        data[i] = buf + offsets[i];
    }

    char or20[1024] = "";
    for (int port = 1; port <= 19; port++) {
        snprintf(or20 + strlen(or20), sizeof or20 - strlen(or20), "tcp port %d or ", port);
    }
    strcat(or20, "host 198.18.200.2");
    const char *names[] = {"floor", "port80", "hostAndTcp", "synOrFin", "ip6Udp53", "or20"};
    const char *exprs[] = {
        NULL, /* floor: built below, not compiled */
        "tcp port 80",
        "host 198.18.200.1 and tcp",
        "tcp[tcpflags] & (tcp-syn|tcp-fin) != 0",
        "ip6 and udp port 53",
        or20,
    };

    printf("%s, libpcap %s, %d frames (%zu bytes), %d repetitions\n", argv[1], pcap_lib_version(), n, used, reps);
    printf("%-12s %6s %8s %14s %14s\n", "filter", "insns", "matches", "mean ns/pkt", "best ns/pkt");
    volatile unsigned long sink = 0;
    for (size_t e = 0; e < sizeof exprs / sizeof *exprs; e++) {
        struct bpf_program prog;
        if (exprs[e] == NULL) {
            static struct bpf_insn floor_insns[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
                BPF_STMT(BPF_RET | BPF_A, 0),
            };
            prog.bf_len = 2;
            prog.bf_insns = malloc(sizeof floor_insns);
            memcpy(prog.bf_insns, floor_insns, sizeof floor_insns);
        } else if (pcap_compile(p, &prog, exprs[e], 1, PCAP_NETMASK_UNKNOWN) != 0) {
            fprintf(stderr, "pcap_compile(%s): %s\n", exprs[e], pcap_geterr(p));
            return 1;
        }
        unsigned long matches = 0;
        for (int i = 0; i < n; i++) {
            matches += pcap_offline_filter(&prog, &hdrs[i], data[i]) != 0;
        }
        /* Warm-up: a tenth of the repetitions, untimed. */
        for (int r = 0; r < reps / 10 + 1; r++) {
            unsigned long sum = 0;
            for (int i = 0; i < n; i++) {
                sum += pcap_offline_filter(&prog, &hdrs[i], data[i]);
            }
            sink += sum;
        }
        double best = 1e30, total = 0;
        for (int r = 0; r < reps; r++) {
            double t0 = now_ns();
            unsigned long sum = 0;
            for (int i = 0; i < n; i++) {
                sum += pcap_offline_filter(&prog, &hdrs[i], data[i]);
            }
            double t = now_ns() - t0;
            sink += sum;
            total += t;
            if (t < best) {
                best = t;
            }
        }
        printf("%-12s %6u %8lu %14.2f %14.2f\n", names[e], prog.bf_len, matches, total / reps / n, best / n);
        pcap_freecode(&prog);
    }

    if (compile_hosts > 0) {
        char *expr = hosts_expression(compile_hosts);
        for (int r = 0; r < 3; r++) {
            long rss0 = max_rss_kib();
            struct bpf_program prog;
            double t0 = now_ns();
            int rc = pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN);
            double t = now_ns() - t0;
            if (rc != 0) {
                printf("compile %d hosts: failed after %.1f ms: %s\n", compile_hosts, t / 1e6, pcap_geterr(p));
                break;
            }
            printf("compile %d hosts (optimize=1): %.1f ms, %u insns, max RSS +%ld KiB\n", compile_hosts, t / 1e6,
                   prog.bf_len, max_rss_kib() - rss0);
            pcap_freecode(&prog);
        }
        free(expr);
    }
    pcap_close(p);
    free(buf);
    return sink == 42 ? 3 : 0;
}
