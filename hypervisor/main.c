/*
 * main.c - ketch-hv: the hypervisor process.  Two modes:
 *   ketch-hv [--socket PATH]      serve the control socket (foreground)
 *   ketch-hv run --kernel ELF ... boot one guest, console on stdout
 */
#include <stdint.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_server.h"
#include "hv.h"
#include "run/run.h"
#include "ketch/confine.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ketch-hv [--socket PATH] [--log FILE] [--log-max BYTES] [--no-confine]\n"
		"       ketch-hv run --kernel ELF [--memory SIZE] [--vcpus N]\n"
		"                    [--cmdline STR] [--ramdisk FILE] [--timeout SEC]\n"
		"                    [--no-confine]\n"
		"The socket defaults to $KETCH_HV_SOCKET, else " KCTL_DEFAULT_SOCKET ".\n"
		"--no-confine keeps every capability and system call (debugging only:\n"
		"strace, gdb, a profiler; docs/security.md).\n");
}

static int daemon_main(struct hv *hv, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "log", required_argument, NULL, 'l' },
		{ "log-max", required_argument, NULL, 'm' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "no-confine", no_argument, NULL, 'N' }, /* read by main() */
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *sock = getenv("KETCH_HV_SOCKET"), *log = NULL;
	uint64_t log_max = 16ULL << 20;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "s:l:Fh", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'l':
			if (!freopen(optarg, "a", stderr)) {
				perror(optarg);
				return 1;
			}
			setvbuf(stderr, NULL, _IOLBF, 0);
			log = optarg;
			break;
		case 'm':
			log_max = strtoull(optarg, &end, 10);
			if (*end || log_max < 4096) {
				fprintf(stderr, "ketch-hv: --log-max: at least 4096 bytes\n");
				return 2;
			}
			break;
		case 'F': break; /* always foreground; kept for service files */
		case 'N': break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ketch-hv: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (log)
		hv_log_set_file(log, log_max); /* rotated: FILE.1 holds the previous part */
	return ctl_server_run(hv, sock ? sock : KCTL_DEFAULT_SOCKET) < 0 ? 1 : 0;
}

/* Looked for before anything else: capabilities go before any thread. */
static bool wants_confinement(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--no-confine"))
			return false;
	return true;
}

int main(int argc, char **argv)
{
	static struct hv hv;
	bool run = argc > 1 && strcmp(argv[1], "run") == 0;
	bool confine = wants_confinement(argc, argv);

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("ketch-hv %s (control protocol %d)\n", KETCH_VERSION, KCTL_VERSION);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	kcf_raise_fd_limit();
	if (hv_confine_early(confine) < 0)
		return run ? 125 : 1;
	if (hv_init(&hv) < 0) {
		fprintf(stderr, "ketch-hv: cannot use /dev/kvm; Ketch needs KVM\n");
		return run ? 125 : 1;
	}
	hv.confine = confine;
	if (run)
		return run_main(&hv, argc - 1, argv + 1);
	return daemon_main(&hv, argc, argv);
}
