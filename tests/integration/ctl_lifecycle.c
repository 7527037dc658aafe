/*
 * ctl_lifecycle.c - libketchctl against a running ketch-hv: memory mapping,
 * the state errors of SET_VCPU/HYPERCALL_INIT/SET_IMAGE, one handle shared
 * by several threads, and a subscriber that never reads being dropped
 * without stalling anything.  Prints "ok <what>" / "FAIL <what>" lines.
 *   usage: ctl_lifecycle SOCKET GUEST_DIR
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ketch/ketchctl.h"

static const char *sock_path, *guest_dir;
static int failures;

static void check(bool cond, const char *what, int r)
{
	if (cond)
		printf("ok %s\n", what);
	else
		printf("FAIL %s (got %d: %s)\n", what, r, kctl_strerror(r));
	failures += !cond;
}

static void *read_guest(const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	void *buf;

	snprintf(path, sizeof(path), "%s/%s", guest_dir, name);
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) || (*len = (size_t)ftell(f)) == 0 ||
	    fseek(f, 0, SEEK_SET) || !(buf = malloc(*len)) ||
	    fread(buf, 1, *len, f) != *len) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	return buf;
}

static uint32_t boot(struct kctl *h, const char *guest, const char *cmdline)
{
	struct kctl_boot_spec s = { .mem_bytes = 16 << 20, .vcpus = 1,
				    .cmdline = cmdline };
	char err[KCTL_ERRLEN];
	uint32_t id = 0;
	int r;

	s.kernel = read_guest(guest, &s.kernel_len);
	r = kctl_boot(h, &s, &id, NULL, err);
	if (r)
		fprintf(stderr, "boot %s: %s\n", guest, err);
	free((void *)s.kernel);
	return r ? 0 : id;
}

static void paused_domain(struct kctl *h)
{
	struct kctl_vcpu_context ctx = { .rip = 0x400000, .rsp = 0x500000, .cr3 = 0x1000 };
	uint8_t junk[10000];
	uint32_t id;
	void *m1, *m2;
	uint64_t s1, s2;
	int r;

	r = kctl_create(h, 16 << 20, 2, NULL, &id);
	check(r == 0, "create a paused domain", r);
	r = kctl_map_memory(h, id, &m1, &s1);
	check(r == 0 && s1 == 16 << 20, "map its memory", r);
	r = kctl_map_memory(h, id, &m2, &s2);
	check(r == 0, "map it twice", r);
	memcpy((char *)m1 + 12345, "shared", 7);
	check(memcmp((char *)m2 + 12345, "shared", 7) == 0, "both maps see one memory", 0);
	kctl_unmap_memory(m1, s1);
	kctl_unmap_memory(m2, s2);
	r = kctl_set_vcpu(h, id, 2, &ctx);
	check(r == -EINVAL, "SET_VCPU of vCPU 2 of 2: -EINVAL", r);
	ctx.cr3 = 0x1234;
	r = kctl_set_vcpu(h, id, 0, &ctx);
	check(r == -EINVAL, "SET_VCPU with unaligned cr3: -EINVAL", r);
	ctx.cr3 = 0x1000;
	r = kctl_set_vcpu(h, id, 1, &ctx);
	check(r == 0, "SET_VCPU of vCPU 1 while paused", r);
	r = kctl_hypercall_init(h, id, 0x1001, 0x1000);
	check(r == -EINVAL, "HYPERCALL_INIT with unaligned gpa: -EINVAL", r);
	r = kctl_hypercall_init(h, id, 32 << 20, 0x1000);
	check(r == -EINVAL, "HYPERCALL_INIT beyond RAM: -EINVAL", r);
	memset(junk, 0x90, sizeof(junk));
	r = kctl_set_image(h, id, junk, sizeof(junk));
	check(r == -ENOEXEC, "SET_IMAGE of a non-ELF (3 chunks): -ENOEXEC", r);
	r = kctl_destroy(h, id);
	check(r == 0, "destroy it", r);
}

static void running_and_stopped(struct kctl *h)
{
	struct kctl_vcpu_context ctx = { .rip = 0x400000, .rsp = 0x500000, .cr3 = 0x1000 };
	struct kctl_dominfo info;
	uint32_t id = boot(h, "ticker", "ticks=1000000");
	int r;

	check(id != 0, "kctl_boot ticker", 0);
	r = kctl_set_vcpu(h, id, 0, &ctx);
	check(r == -EBUSY, "SET_VCPU of a running domain: -EBUSY", r);
	r = kctl_hypercall_init(h, id, 0x1000, 0x1000);
	check(r == -EBUSY, "HYPERCALL_INIT of a running domain: -EBUSY", r);
	kctl_destroy(h, id);

	id = boot(h, "hello", NULL);
	check(id != 0, "kctl_boot hello", 0);
	for (int i = 0; i < 100; i++) {
		if (kctl_getinfo(h, id, &info) == 0 && info.state == KCTL_STATE_SHUTDOWN)
			break;
		usleep(50000);
	}
	r = kctl_set_vcpu(h, id, 0, &ctx);
	check(r == -ESHUTDOWN, "SET_VCPU of a stopped domain: -ESHUTDOWN", r);
	r = kctl_unpause(h, id);
	check(r == -ESHUTDOWN, "UNPAUSE of a stopped domain: -ESHUTDOWN", r);
	kctl_destroy(h, id);
}

static void *hammer(void *arg)
{
	struct kctl *h = arg;
	struct kctl_hv_info hi;
	long bad = 0;

	for (int i = 0; i < 500; i++)
		bad += kctl_hv_info(h, &hi) != 0 || hi.version != KCTL_VERSION;
	return (void *)bad;
}

static void shared_handle(struct kctl *h)
{
	pthread_t t[4];
	long bad = 0;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, hammer, h);
	for (int i = 0; i < 4; i++) {
		void *b;

		pthread_join(t[i], &b);
		bad += (long)b;
	}
	check(bad == 0, "4 threads x 500 calls on one handle", (int)bad);
}

/* Subscribe on a raw socket with a tiny receive buffer and never read. */
static int lazy_subscriber(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct kctl_hdr h;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), sz = 4096;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	kctl_hdr_init(&h, KCTL_OP_SUBSCRIBE, 1, 0, 0);
	if (kctl_send(fd, &h, NULL, -1, 0) || kctl_recv(fd, &h, NULL, 0, NULL) ||
	    h.status)
		return -1;
	return fd;
}

static void slow_subscriber_dropped(struct kctl *h)
{
	struct kctl_events *good = kctl_subscribe(sock_path, NULL);
	struct kctl_dominfo info;
	int lazy = lazy_subscriber(), seen = 0, r = 0;
	uint32_t id = boot(h, "ticker", "ticks=1000000");
	char c;

	check(good && lazy >= 0 && id, "two subscribers and a running ticker", 0);
	for (int i = 0; i < 2000 && r == 0; i++) {
		r = i % 2 ? kctl_unpause(h, id) : kctl_pause(h, id);
		while (kctl_next_event(good, &info, 0) == 0)
			seen++; /* the reading subscriber keeps up */
	}
	check(r == 0, "2000 pause/unpause calls while one subscriber never reads", r);
	while (kctl_next_event(good, &info, 200) == 0)
		seen++;
	check(seen >= 2000, "the reading subscriber got every event", seen);
	/* The lazy one was cut off: after what fits in its buffer comes EOF. */
	while ((r = (int)recv(lazy, &c, 1, MSG_DONTWAIT)) == 1)
		;
	check(r == 0, "the subscriber that never read was dropped (EOF)", r);
	close(lazy);
	kctl_events_close(good);
	kctl_destroy(h, id);
}

int main(int argc, char **argv)
{
	struct kctl *h;
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: ctl_lifecycle SOCKET GUEST_DIR\n");
		return 2;
	}
	sock_path = argv[1];
	guest_dir = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	h = kctl_open(sock_path, &r);
	check(h != NULL, "kctl_open", r);
	if (!h)
		return 1;
	check(kctl_server_pid(h) > 0, "HELLO told the server's pid", 0);
	paused_domain(h);
	running_and_stopped(h);
	shared_handle(h);
	slow_subscriber_dropped(h);
	kctl_close(h);
	return failures ? 1 : 0;
}
