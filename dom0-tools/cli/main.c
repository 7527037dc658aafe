/*
 * main.c - ketch, the xl-style command line of ketchd: global options, the
 * subcommand table, and help for each subcommand.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct command {
	const char *name;
	int (*run)(const struct cli *c, int argc, char **argv);
	const char *usage, *help;
};

static const struct command commands[] = {
	{ "create", cmd_create, "create [-c] [-p] CONFIG",
	  "Create a domain from a JSON or xl.cfg file ('-' reads stdin).\n"
	  "  -c  attach to its console (the domain runs once attached)\n"
	  "  -p  leave it paused" },
	{ "list", cmd_list, "list [-l] [DOMAIN...]",
	  "List domains: Name, ID, Mem (MiB), VCPUs, State (xl's r b p s c d), Time(s).\n"
	  "  -l  everything ketchd knows, as JSON" },
	{ "info", cmd_info, "info DOMAIN", "Show one domain and its configuration." },
	{ "destroy", cmd_simple, "destroy DOMAIN", "Stop a domain at once and release it." },
	{ "shutdown", cmd_shutdown, "shutdown [-w] [-t SEC] DOMAIN",
	  "Ask the guest to power off (control/shutdown); destroyed after the\n"
	  "timeout (ketchd's --shutdown-timeout unless -t).  -w waits for the outcome." },
	{ "reboot", cmd_shutdown, "reboot [-w] [-t SEC] DOMAIN",
	  "Ask the guest to reboot; restarted by force after the timeout.\n"
	  "-w waits until it is back." },
	{ "pause", cmd_simple, "pause DOMAIN", "Stop running the domain's vCPUs." },
	{ "unpause", cmd_simple, "unpause DOMAIN", "Run a paused domain again." },
	{ "rename", cmd_rename, "rename DOMAIN NEW-NAME", "Give a domain a new name." },
	{ "console", cmd_console, "console DOMAIN",
	  "Attach to the domain's console; Ctrl-] detaches." },
	{ "events", cmd_events, "events", "Print domain state changes as they happen." },
	{ "dmesg", cmd_dmesg, "dmesg [-c]",
	  "Print the hypervisor's log: the last 1000 lines ketch-hv keeps.\n"
	  "  -c  then clear them (later calls show only newer lines)" },
	{ "top", cmd_top, "top [-b] [-n N] [-d SEC]",
	  "Per-domain CPU% (since the previous frame; 100 = one host CPU) and memory,\n"
	  "refreshed every second (-d SEC) until q or Ctrl-C.\n"
	  "  -b  batch: plain frames, no screen control (with --json one array a frame)\n"
	  "  -n  stop after N frames (also -i N)" },
	{ "vcpu-list", cmd_vcpu_list, "vcpu-list [DOMAIN]",
	  "List vCPUs: Name, ID, VCPU, On (online y/n), State (running, runnable,\n"
	  "blocked, offline), Time(s) of host CPU." },
	{ "uptime", cmd_uptime, "uptime [DOMAIN...]",
	  "Time since each domain was created (kept across ketchd restarts)." },
	{ "mem-set", cmd_mem_set, "mem-set DOMAIN SIZE",
	  "Set the balloon target (memory/target in xenstore, in KiB).  SIZE takes\n"
	  "a suffix b, k, m (default), g or t; at most the domain's maxmem." },
	{ "block-attach", cmd_block_attach, "block-attach DOMAIN DISKSPEC",
	  "Give a running domain another disk.  DISKSPEC is xl's disk spec, e.g.\n"
	  "'format=raw, vdev=xvdb, access=rw, target=/srv/data.img' (docs/block.md)." },
	{ "block-detach", cmd_block_detach, "block-detach [-f] [-t SEC] DOMAIN VDEV",
	  "Remove a disk as xl does: the backend says Closing, the guest closes it,\n"
	  "then it goes.  After SEC seconds (default 10) it is removed anyway.\n"
	  "  -f, --force  do not wait for the guest" },
	{ "block-list", cmd_block_list, "block-list DOMAIN",
	  "List a domain's disks with xl's columns: Vdev (devid), BE (backend domain),\n"
	  "handle (the domain), state (the frontend's xenbus state), evt-ch,\n"
	  "ring-ref, BE-path.  --json adds the image, access, format and backend process." },
	{ "image", cmd_image, "image info FILE | image clone BASE NEW",
	  "Disk images on this host, without ketchd (docs/block.md).\n"
	  "  info FILE       format, virtual size, disk size and backing chain, if\n"
	  "                  ketchd would serve FILE (else why not; exit 5)\n"
	  "  clone BASE NEW  make NEW a qcow2 overlay on BASE: BASE is only read through\n"
	  "                  it (its format recorded), NEW takes every write" },
	{ "network-attach", cmd_network_attach, "network-attach DOMAIN [VIFSPEC]",
	  "Give a running domain another network interface.  VIFSPEC is xl's vif\n"
	  "spec, e.g. 'mac=00:16:3e:01:02:03, bridge=ketchbr0, rate=10Mb/s'; the devid\n"
	  "and mac default as in a config (docs/network.md)." },
	{ "network-detach", cmd_network_detach, "network-detach [-f] [-t SEC] DOMAIN DEVID|MAC",
	  "Remove a network interface as xl does: the backend says Closing, the guest\n"
	  "closes it, then it goes with its TAP.  After SEC seconds (default 10) it is\n"
	  "removed anyway.\n"
	  "  -f, --force  do not wait for the guest" },
	{ "network-list", cmd_network_list, "network-list DOMAIN",
	  "List a domain's network interfaces with xl's columns: Idx (devid), BE\n"
	  "(backend domain), Mac Addr., handle, state (the frontend's xenbus state),\n"
	  "evt-ch, tx-/rx-ring-ref, BE-path.  --json adds the bridge, rate, ip, mtu\n"
	  "and backend process." },
	{ "save", cmd_save, "save [-c] [-p] [-t SEC] DOMAIN FILE",
	  "Suspend the domain (control/shutdown = suspend) and write it to FILE; then\n"
	  "it is destroyed, as with xl.  The guest must honour the suspend within SEC\n"
	  "seconds (ketchd's --shutdown-timeout unless -t).  docs/save-migrate.md\n"
	  "  -c  leave it running afterwards (its suspend is cancelled)\n"
	  "  -p  leave it paused afterwards" },
	{ "restore", cmd_restore, "restore [-c] [-p] [--name NAME] FILE [NAME]",
	  "Create a domain from a save file; it goes on where it was saved.  A file\n"
	  "that is truncated, corrupted or from a newer Ketch is refused and nothing\n"
	  "is created.  A new NAME also gives it a new uuid.\n"
	  "  -c  attach to its console (the domain runs once attached)\n"
	  "  -p  leave it paused" },
	{ "snapshot", cmd_snapshot, "snapshot [-t SEC] DOMAIN FILE",
	  "Save the domain to FILE while it goes on running: it suspends, FILE is\n"
	  "written, its suspend is cancelled.  Each writable disk gets a qcow2 overlay\n"
	  "beside its image (IMAGE-STEM.FILE-STEM.qcow2) in which the domain goes on;\n"
	  "the image, now only read, is the snapshot's disk.  docs/save-migrate.md" },
	{ "clone", cmd_clone, "clone [-p] [-n N] FILE NAME",
	  "Start N domains (default 1) from a save file, each with a new uuid, new\n"
	  "MACs and a qcow2 overlay on each writable disk (IMAGE-STEM.NAME.qcow2).\n"
	  "They are named NAME, or NAME-1 .. NAME-N when N > 1.  Nothing is created\n"
	  "unless all of them can be.\n"
	  "  -n N  how many (1 to 64)\n"
	  "  -p    leave them paused" },
	{ "migrate", cmd_migrate, "migrate [-t SEC] DOMAIN HOST[:PORT]",
	  "Move the running domain to the ketchd listening at HOST:PORT (its\n"
	  "--migrate-listen; default port 8002); both ketchds hold the same\n"
	  "--migrate-key.  Memory is copied while the guest runs, then it suspends\n"
	  "(within SEC seconds) for the last pages and its state, and runs there.  On\n"
	  "any failure it goes on here.  docs/save-migrate.md" },
	{ "xenstore-ls", cmd_xs_ls, "xenstore-ls [PATH]",
	  "Print every node under PATH (default /) as 'path = \"value\"'." },
	{ "xenstore-read", cmd_xs_read, "xenstore-read PATH", "Print one node's value." },
	{ "xenstore-write", cmd_xs_write, "xenstore-write PATH VALUE",
	  "Write one node (ketchd writes it as domain 0)." },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ketch [--socket PATH] [--json] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\n'ketch help COMMAND' explains one.  The socket is $KETCH_SOCKET, else\n"
		   "/run/ketch/ketchd.sock.  Exit status: 0 ok, 1 failed, 2 usage, 3 ketchd\n"
		   "unreachable, 4 no such domain, 5 config rejected, 6 wrong state, 7 timeout.\n");
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int help(const char *name)
{
	const struct command *cmd = name ? find(name) : NULL;

	if (!name)
		return usage(stdout), KX_OK;
	if (!cmd)
		return fprintf(stderr, "ketch: no command '%s'\n", name), KX_USAGE;
	printf("usage: ketch %s\n%s\n", cmd->usage, cmd->help);
	return KX_OK;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct cli c = { .socket = getenv("KETCH_SOCKET") };
	const struct command *cmd;
	int opt;

	if (!c.socket || !*c.socket)
		c.socket = "/run/ketch/ketchd.sock";
	while ((opt = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
		if (opt == 's')
			c.socket = optarg;
		else if (opt == 'j')
			c.json = true;
		else if (opt == 'h')
			return usage(stdout), KX_OK;
		else
			return usage(stderr), KX_USAGE;
	}
	if (optind >= argc)
		return usage(stderr), KX_USAGE;
	if (!strcmp(argv[optind], "help"))
		return help(optind + 1 < argc ? argv[optind + 1] : NULL);
	if (!(cmd = find(argv[optind])))
		return fprintf(stderr, "ketch: no command '%s' (see 'ketch help')\n", argv[optind]),
		       KX_USAGE;
	/* --json is accepted after the subcommand too. */
	for (int i = optind + 1; i < argc; i++)
		if (!strcmp(argv[i], "--json")) {
			c.json = true;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof(*argv));
			argc--;
			i--;
		}
	for (int i = optind + 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return help(cmd->name);
	return cmd->run(&c, argc - optind, argv + optind);
}
