/*
 * evtchn_dom0_pingpong - a control-domain process ping-pongs n event
 * notifications with a guest over an interdomain event channel whose
 * dom0 end is a pair of eventfds from ketch-hv (kctl_evtchn_bind).
 *   evtchn_dom0_pingpong SOCKET PINGPONG_GUEST N [upcall]
 * Boots the pingpong guest as server for peer 0 on port 3 (the first port
 * after the console's and xenstore's, allocated here and checked), sends
 * ping i+1 only after pong i, prints
 *   "dom0 pingpong n=N received=R rtt_us=X" and the guest's final state;
 * exits 0 only if every pong came back and the guest powered off with 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ketch/ketchctl.h"

#define EXPECTED_PORT 3

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	void *b = NULL;

	if (fd >= 0 && fstat(fd, &st) == 0 && (b = malloc((size_t)st.st_size)) &&
	    read(fd, b, (size_t)st.st_size) == st.st_size)
		*len = (size_t)st.st_size;
	else {
		free(b);
		b = NULL;
	}
	if (fd >= 0)
		close(fd);
	return b;
}

static int boot(struct kctl *h, const char *kernel, unsigned long n, int upcall,
		uint32_t *domid)
{
	struct kctl_boot_spec s = { .mem_bytes = 32ULL << 20, .vcpus = 1, .paused = 1 };
	char cmdline[128], err[KCTL_ERRLEN];
	int r;

	snprintf(cmdline, sizeof(cmdline), "role=server peer=0 port=%d n=%lu%s",
		 EXPECTED_PORT, n, upcall ? " upcall=1" : "");
	s.kernel = slurp(kernel, &s.kernel_len);
	s.cmdline = cmdline;
	if (!s.kernel) {
		fprintf(stderr, "cannot read %s\n", kernel);
		return -EIO;
	}
	r = kctl_boot(h, &s, domid, NULL, err);
	free((void *)s.kernel);
	if (r)
		fprintf(stderr, "boot: %s\n", err);
	return r;
}

/* Ping, wait for the pong; returns pongs received. */
static unsigned long run(int from_guest, int to_guest, unsigned long n)
{
	struct pollfd p = { .fd = from_guest, .events = POLLIN };
	unsigned long got = 0;
	uint64_t one = 1, v;

	for (unsigned long i = 0; i < n; i++) {
		if (write(to_guest, &one, sizeof(one)) != sizeof(one))
			break;
		if (poll(&p, 1, 5000) != 1 || read(from_guest, &v, sizeof(v)) != sizeof(v))
			break;
		got++;
	}
	return got;
}

static int final_state(struct kctl *h, uint32_t domid)
{
	struct kctl_dominfo info;

	for (int i = 0; i < 500; i++) {
		if (kctl_getinfo(h, domid, &info) == 0 &&
		    (info.state == KCTL_STATE_SHUTDOWN || info.state == KCTL_STATE_CRASHED)) {
			printf("guest state=%s code=%d\n", kctl_state_name(info.state),
			       info.shutdown_code);
			return info.state == KCTL_STATE_SHUTDOWN && info.shutdown_code == 0;
		}
		usleep(10000);
	}
	printf("guest did not stop\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct kctl *h;
	uint32_t domid, port;
	int err, from, to, ok;
	unsigned long n, got;
	double t0, t1;

	if (argc < 4) {
		fprintf(stderr, "usage: %s SOCKET GUEST N [upcall]\n", argv[0]);
		return 2;
	}
	n = strtoul(argv[3], NULL, 10);
	h = kctl_open(argv[1], &err);
	if (!h || boot(h, argv[2], n, argc > 4, &domid)) {
		fprintf(stderr, "cannot start: %s\n", h ? "boot failed" : kctl_strerror(err));
		return 1;
	}
	if (kctl_evtchn_alloc_unbound(h, domid, 0, &port) || port != EXPECTED_PORT ||
	    kctl_evtchn_bind(h, domid, port, &from, &to) || kctl_unpause(h, domid)) {
		fprintf(stderr, "cannot set up port %u (wanted %d)\n", port, EXPECTED_PORT);
		kctl_destroy(h, domid);
		return 1;
	}
	t0 = now_us();
	got = run(from, to, n);
	t1 = now_us();
	printf("dom0 pingpong n=%lu received=%lu rtt_us=%.2f\n", n, got,
	       got ? (t1 - t0) / got : 0.0);
	ok = final_state(h, domid);
	kctl_destroy(h, domid);
	kctl_close(h);
	return got == n && ok ? 0 : 1;
}
