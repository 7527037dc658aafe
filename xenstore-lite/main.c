/* ketch-xenstored: options, set-up, the loop, and a clean shutdown. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ketch/confine.h"
#include "ctx.h"
#include "domain_ops.h"
#include "domain_ops_ketch.h"
#include "loop.h"
#include "persist.h"

#define DEFAULT_RUNDIR "/var/run/xenstored"

static void usage(FILE *f)
{
	fprintf(f, "usage: ketch-xenstored [--socket PATH] [--persist FILE] [--quota NAME=N]...\n"
		   "                       [--hv-socket PATH] [--user NAME] [--no-confine] [--verbose]\n"
		   "  --socket PATH   listen here (default: $XENSTORED_PATH, else\n"
		   "                  ${XENSTORED_RUNDIR:-" DEFAULT_RUNDIR "}/socket, as libxenstore\n"
		   "                  looks); runs in the foreground either way\n"
		   "  --persist FILE  load the tree from FILE at start, save it there on\n"
		   "                  SIGTERM/SIGINT\n"
		   "  --quota NAME=N  nodes, value_size, watches, transactions, perms, tx_entries,\n"
		   "                  outstanding, out_queue, event_queue, memory\n"
		   "                  (see docs/xenstore.md)\n"
		   "  --hv-socket PATH  serve guests' rings through ketch-hv's control socket\n"
		   "                  (default: $KETCH_HV_SOCKET if set; else guests cannot be\n"
		   "                  introduced)\n"
		   "  --user NAME     run as NAME once the sockets are open (docs/security.md)\n"
		   "  --no-confine    keep every capability and system call (debugging only)\n");
}

struct options {
	const char *socket;
	const char *persist;
	const char *hv_socket;
	const char *user;
	bool verbose;
	bool no_confine;
	bool selftest; /* test builds only: try forbidden calls once confined */
};

static int parse_args(int argc, char **argv, struct options *o, struct xs_quota *q)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'}, {"persist", required_argument, NULL, 'p'},
		{"quota", required_argument, NULL, 'q'},  {"verbose", no_argument, NULL, 'v'},
		{"hv-socket", required_argument, NULL, 'H'},
		{"user", required_argument, NULL, 'u'},   {"no-confine", no_argument, NULL, 'N'},
#ifdef XS_TEST_HOOKS
		{"selftest-forbidden-syscall", no_argument, NULL, 'T'},
#endif
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "s:p:q:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's': o->socket = optarg; break;
		case 'p': o->persist = optarg; break;
		case 'v': o->verbose = true; break;
		case 'H': o->hv_socket = optarg; break;
		case 'u': o->user = optarg; break;
		case 'N': o->no_confine = true; break;
#ifdef XS_TEST_HOOKS
		case 'T': o->selftest = true; break;
#endif
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
	snprintf(buf, len, "%s/socket", dir); /* the directory is made 0700 if missing */
	return buf;
}

static void hv_events_ready(struct xs_ctx *ctx, void *arg)
{
	xs_ketch_handle_events(arg, ctx);
}

static void listen_failed(struct xs_ctx *ctx, const char *sock, int r)
{
	if (r == -EADDRINUSE)
		xs_log(ctx, "cannot listen on %s: another xenstored answers there", sock);
	else if (r == -EEXIST)
		xs_log(ctx, "cannot listen on %s: it exists and is not a socket (left alone)", sock);
	else
		xs_log(ctx, "cannot listen on %s: %s", sock, strerror(-r));
}

#ifdef XS_TEST_HOOKS
/* What a compromised daemon would try first; logged so a test can see the
 * filter's answer (EPERM confined; ENOENT and success without it). */
static void selftest_forbidden(struct xs_ctx *ctx)
{
	char *const argv[] = { "ketch-selftest", NULL };
	int fd, e;

	execve("/nonexistent/ketch-selftest", argv, argv + 1);
	xs_log(ctx, "selftest: execve: %s", strerror(errno));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	e = errno;
	xs_log(ctx, "selftest: socket(AF_INET): %s", fd < 0 ? strerror(e) : "allowed");
	if (fd >= 0)
		close(fd);
}
#endif

/*
 * Everything the daemon opens by itself is open now (listener, signalfd,
 * ketch-hv's sockets); what is left is its loop, the guests' memfds and
 * eventfds it is handed, a reconnect to ketch-hv and the --persist save.
 * kcf_base_syscalls covers all of it, so no extra calls are named.
 */
static int confine(struct xs_ctx *ctx, const struct options *o)
{
	struct kcf_opts co = { .user = o->user };
	char err[256];
	int r;

	if (o->no_confine) {
		xs_log(ctx, "not confined (--no-confine)");
		return 0;
	}
	r = kcf_confine(&co, err, sizeof(err));
	if (r < 0)
		xs_log(ctx, "cannot confine the daemon: %s", err);
	else
		xs_log(ctx, "confined: seccomp allow-list, no capabilities%s%s",
		       o->user ? ", user " : "", o->user ? o->user : "");
	return r;
}

static int run(struct xs_ctx *ctx, const struct options *o, struct xs_ketch *k)
{
	char buf[4096];
	const char *sock = o->socket ? o->socket : default_socket(buf, sizeof(buf));
	struct xs_listen_file lf;
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
	if (!r && k)
		r = xs_loop_add_source(ctx, xs_ketch_events_fd(k), hv_events_ready, k);
	if (!r)
		r = xs_loop_listen(ctx, sock, &lf);
	if (r) {
		listen_failed(ctx, sock, r);
		return 1;
	}
	if (confine(ctx, o) < 0) {
		xs_listen_unlink(sock, &lf);
		return 1;
	}
#ifdef XS_TEST_HOOKS
	if (o->selftest)
		selftest_forbidden(ctx);
#endif
	r = xs_loop_run(ctx);
	xs_listen_unlink(sock, &lf);
	if (o->persist && xs_persist_save(&ctx->store, o->persist) < 0) {
		xs_log(ctx, "cannot save %s", o->persist);
		return 1;
	}
	return r ? 1 : 0;
}

/* The hypervisor client named by --hv-socket or $KETCH_HV_SOCKET; NULL if
 * neither is set.  Fails (exit 1) rather than running without guests. */
static int open_hv(const struct options *o, struct xs_ketch **k)
{
	const char *path = o->hv_socket ? o->hv_socket : getenv("KETCH_HV_SOCKET");
	int err = 0;

	*k = NULL;
	if (!path || !*path)
		return 0;
	*k = xs_ketch_open(path, &err);
	if (!*k) {
		fprintf(stderr, "ketch-xenstored: cannot reach ketch-hv at %s: %s\n", path,
			strerror(-err));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct xs_ketch *k;
	struct xs_quota q;
	struct xs_ctx ctx;
	int r;

	xs_quota_defaults(&q);
	r = parse_args(argc, argv, &o, &q);
	if (r >= 0)
		return r;
	signal(SIGPIPE, SIG_IGN);
	if (open_hv(&o, &k))
		return 1;
	if (xs_ctx_init(&ctx, &q, k ? xs_ketch_ops(k) : xs_domain_ops_stub())) {
		fprintf(stderr, "ketch-xenstored: out of memory\n");
		xs_ketch_close(k);
		return 1;
	}
	ctx.verbose = o.verbose;
	r = run(&ctx, &o, k);
	xs_ctx_fini(&ctx); /* releases every domain while k still serves the ops */
	xs_ketch_close(k);
	return r;
}
