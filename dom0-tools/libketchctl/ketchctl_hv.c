/*
 * ketchctl_hv.c - ketchctl-hv: a small command-line client of the ketch-hv
 * control socket for operators and tests (plain-text output).  Exit status:
 * 0 success, 1 the request failed, 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ketch/ketchctl.h"

struct cli {
	const char *socket;
	struct kctl *h;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ketchctl-hv [--socket PATH] COMMAND [ARGS]\n"
		"  boot ELF [--memory SIZE] [--vcpus N] [--cmdline STR] [--ramdisk FILE] [--paused]\n"
		"  create [--memory SIZE] [--vcpus N]\n"
		"  list | hv-info | info ID | pause ID | unpause ID | destroy ID\n"
		"  evtchn-alloc ID REMOTE-ID\n"
		"  dirty ID start|stop|fetch   (fetch prints the pages written since the last)\n"
		"  adopt ID [SIZE|none]        (a marked image, SIZE bytes (the domain's),\n"
		"                              made ID's memory; none: adopt with no image)\n"
		"  events [-n|--count N] [-t|--timeout SEC]\n"
		"The socket defaults to $KETCH_HV_SOCKET, else " KCTL_DEFAULT_SOCKET ".\n");
}

static int fail(const char *what, int r)
{
	fprintf(stderr, "ketchctl-hv: %s: %s\n", what, kctl_strerror(r));
	return 1;
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'G': case 'g': v <<= 10; /* fall through */
	case 'M': case 'm': v <<= 10; /* fall through */
	case 'K': case 'k': v <<= 10; end++; break;
	case '\0': break;
	default: return -EINVAL;
	}
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_domid(int argc, char **argv, uint32_t *domid)
{
	char *end;
	unsigned long v;

	if (argc != 2) {
		usage(stderr);
		return -1;
	}
	v = strtoul(argv[1], &end, 10);
	if (*end || end == argv[1] || v > UINT32_MAX) {
		fprintf(stderr, "ketchctl-hv: bad domain id '%s'\n", argv[1]);
		return -1;
	}
	*domid = (uint32_t)v;
	return 0;
}

static void *read_file(const char *path, size_t *len)
{
	struct stat st;
	void *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0 &&
	    (buf = malloc((size_t)st.st_size))) {
		*len = (size_t)st.st_size;
		for (size_t got = 0; got < *len;) {
			ssize_t n = read(fd, (char *)buf + got, *len - got);

			if (n <= 0) {
				free(buf);
				buf = NULL;
				break;
			}
			got += (size_t)n;
		}
	}
	if (!buf)
		fprintf(stderr, "ketchctl-hv: cannot read %s: %s\n", path,
			fd < 0 ? strerror(errno) : "empty or unreadable");
	if (fd >= 0)
		close(fd);
	return buf;
}

/* Options shared by boot and create; returns the index of the first operand. */
static int parse_dom_opts(int argc, char **argv, struct kctl_boot_spec *s,
			  const char **ramdisk)
{
	static const struct option opts[] = {
		{ "memory", required_argument, NULL, 'm' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "cmdline", required_argument, NULL, 'l' },
		{ "ramdisk", required_argument, NULL, 'r' },
		{ "paused", no_argument, NULL, 'p' },
		{ 0 }
	};
	int c;

	s->mem_bytes = 32ULL << 20;
	s->vcpus = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:c:l:r:p", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (parse_size(optarg, &s->mem_bytes) < 0) {
				fprintf(stderr, "ketchctl-hv: bad --memory '%s'\n", optarg);
				return -1;
			}
			break;
		case 'c': s->vcpus = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'l': s->cmdline = optarg; break;
		case 'r': *ramdisk = optarg; break;
		case 'p': s->paused = 1; break;
		default: usage(stderr); return -1;
		}
	}
	return optind;
}

static int cmd_create(struct cli *cl, int argc, char **argv)
{
	struct kctl_boot_spec s = { 0 };
	const char *rd = NULL;
	uint32_t domid;
	int i = parse_dom_opts(argc, argv, &s, &rd), r;

	if (i < 0 || i != argc || rd || s.cmdline) {
		if (i >= 0)
			usage(stderr);
		return 2;
	}
	r = kctl_create(cl->h, s.mem_bytes, s.vcpus, NULL, &domid);
	if (r)
		return fail("create", r);
	printf("%u\n", domid);
	return 0;
}

static int cmd_boot(struct cli *cl, int argc, char **argv)
{
	struct kctl_boot_spec s = { 0 };
	const char *rd = NULL;
	char err[KCTL_ERRLEN];
	void *kernel, *ramdisk = NULL;
	uint32_t domid;
	int i = parse_dom_opts(argc, argv, &s, &rd), r;

	if (i < 0 || argc - i != 1) {
		if (i >= 0)
			usage(stderr);
		return 2;
	}
	kernel = read_file(argv[i], &s.kernel_len);
	if (rd)
		ramdisk = read_file(rd, &s.ramdisk_len);
	if (!kernel || (rd && !ramdisk)) {
		free(kernel);
		return 1;
	}
	s.kernel = kernel;
	s.ramdisk = ramdisk;
	r = kctl_boot(cl->h, &s, &domid, NULL, err);
	free(kernel);
	free(ramdisk);
	if (r) {
		fprintf(stderr, "ketchctl-hv: boot %s: %s\n", argv[i], err);
		return 1;
	}
	printf("%u\n", domid);
	return 0;
}

static int cmd_list(struct cli *cl, int argc, char **argv)
{
	uint32_t ids[KCTL_MAX_DOMIDS];
	int n;

	(void)argv;
	if (argc != 1)
		return usage(stderr), 2;
	n = kctl_list(cl->h, ids, KCTL_MAX_DOMIDS);
	if (n < 0)
		return fail("list", n);
	printf("%-6s %-9s %10s %5s\n", "ID", "STATE", "MEM(MiB)", "VCPUS");
	for (int i = 0; i < n && i < KCTL_MAX_DOMIDS; i++) {
		struct kctl_dominfo d;

		if (kctl_getinfo(cl->h, ids[i], &d) < 0)
			continue; /* went away meanwhile */
		printf("%-6u %-9s %10llu %5u\n", d.domid, kctl_state_name(d.state),
		       (unsigned long long)(d.mem_bytes >> 20), d.vcpus);
	}
	return 0;
}

static int cmd_info(struct cli *cl, int argc, char **argv)
{
	struct kctl_dominfo d;
	uint32_t domid;
	int r;

	if (parse_domid(argc, argv, &domid) < 0)
		return 2;
	r = kctl_getinfo(cl->h, domid, &d);
	if (r)
		return fail("info", r);
	printf("domid: %u\nstate: %s\nshutdown_reason: %s\nshutdown_code: %d\n"
	       "mem_bytes: %llu\nvcpus: %u\nvcpus_online: %u\ncpu_time_ns: %llu\n"
	       "hypercalls: %llu\nhypercalls_enosys: %llu\ncrash_reason: %s\n",
	       d.domid, kctl_state_name(d.state), kctl_shutdown_name(d.shutdown_reason),
	       d.shutdown_code, (unsigned long long)d.mem_bytes, d.vcpus,
	       d.vcpus_online, (unsigned long long)d.cpu_time_ns,
	       (unsigned long long)d.hypercalls,
	       (unsigned long long)d.hypercalls_enosys, d.crash_reason);
	return 0;
}

static int cmd_hv_info(struct cli *cl, int argc, char **argv)
{
	struct kctl_hv_info hi;
	int r;

	(void)argv;
	if (argc != 1)
		return usage(stderr), 2;
	r = kctl_hv_info(cl->h, &hi);
	if (r)
		return fail("hv-info", r);
	printf("flavour: %s\nnr_domains: %u\nmax_vcpus: %u\nprotocol: %llu\n"
	       "features: %#x\npid: %u\n", hi.flavour, hi.nr_domains, hi.max_vcpus,
	       (unsigned long long)hi.version, hi.features, kctl_server_pid(cl->h));
	return 0;
}

#define DESTROY_WAIT_MS 10000

/*
 * ketch-hv destroys in the background and reports completion as the
 * domain's `dying` event; wait for it, so "destroy returned" means the
 * domain's resources are gone, as with `xl destroy`.
 */
static int destroy_and_wait(struct cli *cl, uint32_t domid)
{
	struct kctl_events *ev = kctl_subscribe(cl->socket, NULL);
	struct kctl_dominfo i;
	int r = kctl_destroy(cl->h, domid);

	while (r == 0 && ev) {
		int e = kctl_next_event(ev, &i, DESTROY_WAIT_MS);

		if (e == -ETIMEDOUT)
			fprintf(stderr, "ketchctl-hv: destroy: d%u is still tearing down\n", domid);
		if (e || (i.domid == domid && i.state == KCTL_STATE_DYING))
			break;
	}
	kctl_events_close(ev);
	return r;
}

static int cmd_domid_op(struct cli *cl, int argc, char **argv)
{
	uint32_t domid;
	int r;

	if (parse_domid(argc, argv, &domid) < 0)
		return 2;
	if (!strcmp(argv[0], "pause"))
		r = kctl_pause(cl->h, domid);
	else if (!strcmp(argv[0], "unpause"))
		r = kctl_unpause(cl->h, domid);
	else
		r = destroy_and_wait(cl, domid);
	return r ? fail(argv[0], r) : 0;
}

/* evtchn-alloc DOMID REMOTE: an unbound port of DOMID for REMOTE; prints it. */
static int cmd_evtchn_alloc(struct cli *cl, int argc, char **argv)
{
	uint32_t port;
	char *e1, *e2;
	unsigned long dom, remote;
	int r;

	if (argc != 3) {
		usage(stderr);
		return 2;
	}
	dom = strtoul(argv[1], &e1, 10);
	remote = strtoul(argv[2], &e2, 10);
	if (*e1 || *e2 || !*argv[1] || !*argv[2] || dom > UINT32_MAX || remote > UINT32_MAX) {
		fprintf(stderr, "ketchctl-hv: evtchn-alloc: domain ids are numbers\n");
		return 2;
	}
	r = kctl_evtchn_alloc_unbound(cl->h, (uint32_t)dom, (uint32_t)remote, &port);
	if (r)
		return fail(argv[0], r);
	printf("%u\n", port);
	return 0;
}

/* dirty ID start|stop|fetch: KVM's log of the guest's writes. */
static int cmd_dirty(struct cli *cl, int argc, char **argv)
{
	struct kctl_dominfo di;
	uint64_t *bits, n = 0;
	uint32_t domid;
	int r;

	if (argc != 3 || parse_domid(2, argv, &domid) < 0)
		return argc != 3 ? (usage(stderr), 2) : 2;
	if (strcmp(argv[2], "fetch")) {
		if (strcmp(argv[2], "start") && strcmp(argv[2], "stop"))
			return usage(stderr), 2;
		r = kctl_dirty_log(cl->h, domid, !strcmp(argv[2], "start"));
		return r ? fail("dirty", r) : 0;
	}
	r = kctl_getinfo(cl->h, domid, &di);
	if (r)
		return fail("dirty", r);
	bits = calloc((di.mem_bytes / 4096 + 63) / 64, sizeof(*bits));
	if (!bits)
		return fail("dirty", -ENOMEM);
	r = kctl_dirty_fetch(cl->h, domid, di.mem_bytes / 4096, bits);
	for (uint64_t i = 0; r == 0 && i < (di.mem_bytes / 4096 + 63) / 64; i++)
		n += (uint64_t)__builtin_popcountll(bits[i]);
	free(bits);
	if (r)
		return fail("dirty", r);
	printf("%llu\n", (unsigned long long)n);
	return 0;
}

/* A marker written into page 1 of an image reads back from the domain. */
static int adopt_marked(struct cli *cl, uint32_t domid, uint64_t size)
{
	char mark[64], seen[64] = "";
	uint64_t msize;
	void *mem;
	int fd, r, n = snprintf(mark, sizeof(mark), "ketch-adopt %d", (int)getpid());

	r = kctl_mem_image_new_fd(cl->h, size, &fd);
	if (r)
		return fail("adopt", r);
	r = pwrite(fd, mark, (size_t)n, 4096) == n ? 0 : -errno;
	close(fd);
	if (!r)
		r = kctl_mem_image_adopt(cl->h, domid);
	if (r == -EBUSY) /* not kctl_strerror's "running": paused or not, it has been used */
		return fprintf(stderr, "ketchctl-hv: adopt: domain %u has run or been given "
			       "memory: only a domain just created takes an image\n", domid), 1;
	if (!r)
		r = kctl_map_memory(cl->h, domid, &mem, &msize);
	if (r)
		return fail("adopt", r);
	memcpy(seen, (char *)mem + 4096, (size_t)n);
	kctl_unmap_memory(mem, msize);
	if (strcmp(seen, mark))
		return fprintf(stderr, "ketchctl-hv: adopt: the domain's page 1 holds \"%s\"\n", seen), 1;
	printf("adopted: page 1 reads \"%s\"\n", seen);
	return 0;
}

/* adopt ID [SIZE|none]: MEM_IMAGE_ADOPT, checked end to end. */
static int cmd_adopt(struct cli *cl, int argc, char **argv)
{
	struct kctl_dominfo di;
	uint32_t domid;
	char *end;
	int r;

	if ((argc != 2 && argc != 3) || parse_domid(2, argv, &domid) < 0)
		return usage(stderr), 2;
	if (argc == 3 && !strcmp(argv[2], "none")) {
		r = kctl_mem_image_adopt(cl->h, domid);
		return r ? fail("adopt", r) : 0;
	}
	r = kctl_getinfo(cl->h, domid, &di);
	if (r)
		return fail("adopt", r);
	if (argc == 3) {
		di.mem_bytes = strtoull(argv[2], &end, 0);
		if (*end || !*argv[2])
			return usage(stderr), 2;
	}
	return adopt_marked(cl, domid, di.mem_bytes);
}

/*
 * Print one line per state change: "<domid> <state> <reason> <code>",
 * until COUNT events, or SECONDS without one (exit 0), or the stream ends.
 */
static int cmd_events(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ 0 }
	};
	long count = -1, timeout_s = -1;
	struct kctl_events *ev;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:t:", opts, NULL)) != -1) {
		if (c == 'n')
			count = strtol(optarg, NULL, 10);
		else if (c == 't')
			timeout_s = strtol(optarg, NULL, 10);
		else
			return usage(stderr), 2;
	}
	ev = kctl_subscribe(cl->socket, &r);
	if (!ev)
		return fail("events", r);
	printf("subscribed\n");
	fflush(stdout);
	for (long n = 0; count < 0 || n < count; n++) {
		struct kctl_dominfo d;

		r = kctl_next_event(ev, &d, timeout_s < 0 ? -1 : (int)(timeout_s * 1000));
		if (r)
			break;
		printf("%u %s %s %d\n", d.domid, kctl_state_name(d.state),
		       kctl_shutdown_name(d.shutdown_reason), d.shutdown_code);
		fflush(stdout);
	}
	kctl_events_close(ev);
	return r && r != -ETIMEDOUT ? fail("events", r) : 0;
}

static const struct {
	const char *name;
	int (*fn)(struct cli *cl, int argc, char **argv);
	int needs_handle;
} cmds[] = {
	{ "boot", cmd_boot, 1 },       { "create", cmd_create, 1 },
	{ "list", cmd_list, 1 },       { "info", cmd_info, 1 },
	{ "hv-info", cmd_hv_info, 1 }, { "pause", cmd_domid_op, 1 },
	{ "unpause", cmd_domid_op, 1 }, { "destroy", cmd_domid_op, 1 },
	{ "events", cmd_events, 0 },   { "evtchn-alloc", cmd_evtchn_alloc, 1 },
	{ "dirty", cmd_dirty, 1 },     { "adopt", cmd_adopt, 1 },
};

int main(int argc, char **argv)
{
	struct cli cl = { 0 };
	int i = 1, r;

	if (argc > 2 && (!strcmp(argv[1], "--socket") || !strcmp(argv[1], "-s"))) {
		cl.socket = argv[2];
		i = 3;
	}
	if (i >= argc || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
		usage(i >= argc ? stderr : stdout);
		return i >= argc ? 2 : 0;
	}
	for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		if (strcmp(argv[i], cmds[k].name))
			continue;
		if (cmds[k].needs_handle && !(cl.h = kctl_open(cl.socket, &r)))
			return fail("cannot reach ketch-hv", r);
		r = cmds[k].fn(&cl, argc - i, argv + i);
		kctl_close(cl.h);
		return r;
	}
	fprintf(stderr, "ketchctl-hv: unknown command '%s'\n", argv[i]);
	usage(stderr);
	return 2;
}
