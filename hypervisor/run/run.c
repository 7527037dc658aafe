/*
 * run.c - `ketch-hv run`: build and boot one guest in this process, with
 * no other daemon, printing its console to stdout and exiting with a
 * status derived from how it stopped (docs/user-guide.md):
 *   poweroff           the SCHEDOP_shutdown_code value (0 if none), max 123
 *   reboot 128, suspend 129, crash 130, watchdog 131, soft_reset 132
 *   124 when --timeout expires, 125 when the guest cannot be started.
 */
#include <stdint.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/sched.h>

#include "hv.h"
#include "run.h"

#define EXIT_TIMEOUT 124
#define EXIT_SETUP 125

struct run_opts {
	const char *kernel, *ramdisk, *cmdline;
	uint64_t mem_bytes;
	unsigned int vcpus;
	int timeout_s;
};

static void console_to_stdout(struct domain *d, const char *buf, size_t len,
			      void *opaque)
{
	(void)d;
	(void)opaque;
	fwrite(buf, 1, len, stdout);
	fflush(stdout);
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "memory", required_argument, NULL, 'm' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "cmdline", required_argument, NULL, 'l' },
		{ "ramdisk", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "no-confine", no_argument, NULL, 'N' }, /* read by main() */
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c, r;

	*o = (struct run_opts){ .mem_bytes = 32ULL << 20, .vcpus = 1, .timeout_s = -1 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "k:m:c:l:r:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': o->kernel = optarg; break;
		case 'r': o->ramdisk = optarg; break;
		case 'l': o->cmdline = optarg; break;
		case 'm':
			if ((r = run_parse_size(optarg, &o->mem_bytes)) < 0) {
				fprintf(stderr, "ketch-hv run: bad --memory '%s' (e.g. 32M, 1G)\n", optarg);
				return -1;
			}
			break;
		case 'c':
			o->vcpus = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 't':
			o->timeout_s = atoi(optarg);
			break;
		case 'N':
			break;
		default:
			return -1;
		}
	}
	if (!o->kernel) {
		fprintf(stderr, "ketch-hv run: --kernel is required\n");
		return -1;
	}
	return 0;
}

static int exit_status(const struct kctl_dominfo *info)
{
	if (info->state == KCTL_STATE_CRASHED)
		return 130;
	switch (info->shutdown_reason) {
	case SHUTDOWN_poweroff:
		if (info->shutdown_code < 0)
			return 0;
		return info->shutdown_code > 123 ? 123 : info->shutdown_code;
	case SHUTDOWN_reboot: return 128;
	case SHUTDOWN_suspend: return 129;
	case SHUTDOWN_crash: return 130;
	case SHUTDOWN_watchdog: return 131;
	default: return 132;
	}
}

int run_main(struct hv *hv, int argc, char **argv)
{
	struct run_opts o;
	struct hv_boot b = { .console_fn = console_to_stdout, .paused = true };
	struct run_console *con;
	struct kctl_dominfo info;
	struct domain *d;
	char err[512];
	uint32_t domid;
	int r, status = EXIT_SETUP;

	if (parse_opts(argc, argv, &o) < 0)
		return EXIT_SETUP;
	b.kernel = run_read_file(o.kernel, &b.kernel_len);
	b.ramdisk = o.ramdisk ? run_read_file(o.ramdisk, &b.ramdisk_len) : NULL;
	b.cmdline = o.cmdline;
	b.mem_bytes = o.mem_bytes;
	b.vcpus = o.vcpus;
	if (!b.kernel || (o.ramdisk && !b.ramdisk) || hv_confine(hv) < 0)
		goto out;
	r = hv_boot(hv, &b, &domid, err, sizeof(err));
	if (r) {
		fprintf(stderr, "ketch-hv run: %s: %s\n", o.kernel, err);
		goto out;
	}
	d = domain_get(hv, domid);
	con = run_console_start(d, b.console_gpfn, b.console_port);
	domain_unpause(d);
	r = domain_wait_stopped(d, o.timeout_s < 0 ? -1 : o.timeout_s * 1000);
	if (r) {
		/* Where a guest that never finished was: the first thing to ask. */
		domain_pause(d);
		for (unsigned int i = 0; i < d->nr_vcpus; i++)
			exit_log_state(&d->vcpus[i], "still running at the time-out");
	}
	run_console_stop(con);
	domain_info(d, &info);
	status = r ? EXIT_TIMEOUT : exit_status(&info);
	hv_log_flush(1000); /* the log's lines (a crash dump) before the verdict */
	if (r)
		fprintf(stderr, "ketch-hv run: timed out after %d s\n", o.timeout_s);
	else if (info.state == KCTL_STATE_CRASHED)
		fprintf(stderr, "ketch-hv run: domain %u crashed: %s\n", domid, info.crash_reason);
	domain_put(d);
	domain_destroy(hv, domid);
	domain_reap_wait(hv);
out:
	free((void *)b.kernel);
	free((void *)b.ramdisk);
	return status;
}
