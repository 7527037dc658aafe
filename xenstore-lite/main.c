/* ketch-xenstored: options, set-up, the loop, and a clean shutdown. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "domain_ops.h"
#include "loop.h"
#include "persist.h"

#define DEFAULT_RUNDIR "/var/run/xenstored"

static void usage(FILE *f)
{
	fprintf(f, "usage: ketch-xenstored [--socket PATH] [--persist FILE] [--quota NAME=N]...\n"
		   "                       [--verbose]\n"
		   "  --socket PATH   listen here (default: $XENSTORED_PATH, else\n"
		   "                  ${XENSTORED_RUNDIR:-" DEFAULT_RUNDIR "}/socket, as libxenstore\n"
		   "                  looks); runs in the foreground either way\n"
		   "  --persist FILE  load the tree from FILE at start, save it there on\n"
		   "                  SIGTERM/SIGINT\n"
		   "  --quota NAME=N  nodes, value_size, watches, transactions, perms, tx_entries,\n"
		   "                  outstanding, out_queue, event_queue (see docs/xenstore.md)\n");
}

struct options {
	const char *socket;
	const char *persist;
	bool verbose;
};

static int parse_args(int argc, char **argv, struct options *o, struct xs_quota *q)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'}, {"persist", required_argument, NULL, 'p'},
		{"quota", required_argument, NULL, 'q'},  {"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "s:p:q:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's': o->socket = optarg; break;
		case 'p': o->persist = optarg; break;
		case 'v': o->verbose = true; break;
		case 'q':
			if (xs_quota_set(q, optarg)) {
				fprintf(stderr, "ketch-xenstored: bad --quota '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

/* Where to listen without --socket: where libxenstore looks (same variables). */
static const char *default_socket(char *buf, size_t len)
{
	const char *p = getenv("XENSTORED_PATH"), *dir = getenv("XENSTORED_RUNDIR");

	if (p && *p)
		return p;
	if (!dir || !*dir)
		dir = DEFAULT_RUNDIR;
	mkdir(dir, 0755);
	snprintf(buf, len, "%s/socket", dir);
	return buf;
}

static int run(struct xs_ctx *ctx, const struct options *o)
{
	char buf[4096];
	const char *sock = o->socket ? o->socket : default_socket(buf, sizeof(buf));
	int r;

	if (o->persist) {
		r = xs_persist_load(&ctx->store, o->persist);
		if (r < 0 && r != -ENOENT) {
			xs_log(ctx, "cannot load %s: %s", o->persist, strerror(-r));
			return 1;
		}
	}
	r = xs_loop_init(ctx);
	if (!r)
		r = xs_loop_handle_signals(ctx);
	if (!r)
		r = xs_loop_listen(ctx, sock);
	if (r) {
		xs_log(ctx, "cannot listen on %s: %s", sock, strerror(-r));
		return 1;
	}
	r = xs_loop_run(ctx);
	unlink(sock);
	if (o->persist && xs_persist_save(&ctx->store, o->persist) < 0) {
		xs_log(ctx, "cannot save %s", o->persist);
		return 1;
	}
	return r ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct xs_quota q;
	struct xs_ctx ctx;
	int r;

	xs_quota_defaults(&q);
	r = parse_args(argc, argv, &o, &q);
	if (r >= 0)
		return r;
	signal(SIGPIPE, SIG_IGN);
	if (xs_ctx_init(&ctx, &q, xs_domain_ops_stub())) {
		fprintf(stderr, "ketch-xenstored: out of memory\n");
		return 1;
	}
	ctx.verbose = o.verbose;
	r = run(&ctx, &o);
	xs_ctx_fini(&ctx);
	return r;
}
