/*
 * hv_bench.c - hypervisor benchmarks that need the host side in-process or
 * a host-side floor.  Subcommands print "key value" lines that
 * bench/10-hypervisor.sh turns into figure-beside-floor rows:
 *   tsc | floor-exit N | floor-vm N | host-loop | first-line HV KERNEL N
 *   boot-many N KERNEL | idle-mem N KERNEL
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "bench.h"
#include "hv_boot.h"

double bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

double bench_tsc_hz(void)
{
	double t0 = bench_now_us();
	uint64_t c0 = __rdtsc();

	while (bench_now_us() - t0 < 200000)
		;
	return (double)(__rdtsc() - c0) / ((bench_now_us() - t0) / 1e6);
}

/* The same loop as tests/guests/bench_hcall.c, compiled for the host. */
static uint64_t host_loop_cycles(void)
{
	uint64_t x = 1, t0 = __rdtsc();

	for (unsigned long i = 0; i < 100000000UL; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	return __rdtsc() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ms from exec of `HV run --kernel K` to the first console line on stdout. */
static double first_line_ms(const char *hv, const char *kernel)
{
	int p[2];
	char c;
	double t0 = bench_now_us(), ms = -1;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		execl(hv, hv, "run", "--kernel", kernel, "--memory", "32M", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (read(p[0], &c, 1) == 1)
		if (c == '\n') {
			ms = (bench_now_us() - t0) / 1000;
			break;
		}
	close(p[0]);
	waitpid(pid, NULL, 0);
	return ms;
}

static int cmd_first_line(const char *hv, const char *kernel, int n)
{
	double v[64];

	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++)
		v[i] = first_line_ms(hv, kernel);
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	printf("first_line_ms %.3f\n", v[n / 2]);
	return v[n / 2] < 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int n = argc > 2 ? atoi(argv[2]) : 0;

	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(cmd, "tsc")) {
		printf("tsc_hz %.0f\n", bench_tsc_hz());
	} else if (!strcmp(cmd, "floor-exit") && n > 0) {
		printf("floor_exit_us %.3f\n", floor_exit_us(n));
	} else if (!strcmp(cmd, "floor-vm") && n > 0) {
		printf("floor_vm_us %.1f\n", floor_vm_boot_us(n));
	} else if (!strcmp(cmd, "floor-notify") && n > 0) {
		printf("floor_notify_rtt_us %.3f\n", floor_notify_rtt_us(n));
	} else if (!strcmp(cmd, "floor-kick") && n > 0) {
		printf("floor_kick_us %.3f\n", floor_kick_us(n));
	} else if (!strcmp(cmd, "floor-idle") && n > 0) {
		printf("floor_idle_vm_kib %.1f\n", floor_idle_vm_kib(n));
	} else if (!strcmp(cmd, "host-loop")) {
		printf("host_loop_cycles %llu\n", (unsigned long long)host_loop_cycles());
	} else if (!strcmp(cmd, "first-line") && argc == 5) {
		return cmd_first_line(argv[2], argv[3], atoi(argv[4]));
	} else if (!strcmp(cmd, "boot-many") && n > 0 && argc == 4) {
		return hvb_boot_many(n, argv[3]);
	} else if (!strcmp(cmd, "idle-mem") && n > 0 && argc == 4) {
		return hvb_idle_mem(n, argv[3]);
	} else {
		fprintf(stderr, "usage: hv_bench tsc|floor-exit N|floor-vm N|host-loop|"
				"first-line HV KERNEL N|boot-many N KERNEL|idle-mem N KERNEL\n");
		return 2;
	}
	return 0;
}
