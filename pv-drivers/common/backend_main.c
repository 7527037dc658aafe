/* backend_main.c - the process skeleton of every backend (see backend_main.h). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "ketch/confine.h"
#include "backend_main.h"

static char log_prefix[64] = "ketch-backend";

void bk_log(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", log_prefix);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool bk_parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 10);
	*v = (uint32_t)x;
	return !errno && end != s && !*end && x <= UINT32_MAX;
}

static int usage(const struct bk_program *p)
{
	fprintf(stderr, "usage: %s --domid N --devid N %s[--hv-socket PATH] [--user NAME] "
			"[--no-confine]\n", p->name, p->usage);
	return 2;
}

/* The shared options first, then the backend's own (values from 256 on
 * are the shared ones', clear of any character a backend may use). */
enum { OPT_DOMID = 256, OPT_DEVID, OPT_HV_SOCKET, OPT_USER, OPT_NO_CONFINE };
#define OPT_SHARED 5

static int parse(const struct bk_program *p, struct bkx *x, struct kcf_cli *cf, void *be,
		 int argc, char **argv)
{
	struct option opts[OPT_SHARED + BK_OPTS_MAX + 1] = {
		{ "domid", required_argument, NULL, OPT_DOMID },
		{ "devid", required_argument, NULL, OPT_DEVID },
		{ "hv-socket", required_argument, NULL, OPT_HV_SOCKET },
		{ "user", required_argument, NULL, OPT_USER },
		{ "no-confine", no_argument, NULL, OPT_NO_CONFINE },
	};
	bool have_dom = false, have_dev = false, ok = true;
	int c;

	for (int i = 0; i < BK_OPTS_MAX && p->opts[i].name; i++)
		opts[OPT_SHARED + i] = p->opts[i];
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DOMID: have_dom = bk_parse_u32(optarg, &x->domid); break;
		case OPT_DEVID: have_dev = bk_parse_u32(optarg, &x->devid); break;
		case OPT_HV_SOCKET: x->hv_socket = optarg; break;
		case OPT_USER: cf->user = optarg; break;
		case OPT_NO_CONFINE: cf->off = true; break;
		case '?': return -1;
		default: ok = p->opt(be, c, optarg) && ok; break;
		}
	}
	if (optind != argc || !have_dom || !have_dev || !x->domid || !ok || (p->check && !p->check(be)))
		return -1;
	if (!x->hv_socket)
		x->hv_socket = getenv("KETCH_HV_SOCKET");
	return 0;
}

/*
 * Capabilities go before libxenstore starts its reader thread (they are
 * per thread), all but the program's early_caps; the seccomp filter, the
 * rest and --user once everything the device needs and both sockets are
 * open (docs/security.md).
 */
static int confine(const struct bk_program *p, const struct kcf_cli *cf, bool early)
{
	char err[256];
	int r;

	if (cf->off) {
		if (!early) {
			bk_log("not confined (--no-confine)");
			kcf_selftest(p->name); /* test builds: the same probes, unrefused */
		}
		return 0;
	}
	r = early ? kcf_drop_early(p->early_caps, cf->user, err, sizeof(err))
		  : p->confine(cf->user, err, sizeof(err));
	if (r)
		bk_log("cannot confine: %s", err);
	else if (!early)
		bk_log("confined: seccomp allow-list, no capabilities%s%s",
		       cf->user ? ", user " : "", cf->user ? cf->user : "");
	return r;
}

static int signal_fd(const struct bk_program *p)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (p->on_usr1)
		sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/* A signal: true if it asks us to stop. */
static bool on_signal(const struct bk_program *p, void *be, int sig)
{
	struct signalfd_siginfo si;

	if (read(sig, &si, sizeof(si)) != sizeof(si))
		return !p->on_usr1; /* only a backend taking SIGUSR1 reads on */
	if (p->on_usr1 && si.ssi_signo == SIGUSR1) {
		p->on_usr1(be);
		return false;
	}
	return true;
}

static void xenstore_changed(const struct bk_program *p, struct bkx *x, void *be)
{
	int fs = bkx_changed(x);

	if (fs < 0) {
		p->disconnect(be);
		x->quit = true;
		return;
	}
	p->follow(be, (XenbusState)fs);
}

static void loop(const struct bk_program *p, struct bkx *x, void *be, int sig)
{
	while (!x->quit) {
		struct pollfd fds[2 + BK_POLL_MAX] = {
			{ .fd = sig, .events = POLLIN },
			{ .fd = xs_fileno(x->xs), .events = POLLIN },
		};
		int timeout = -1, nfds = 2 + p->poll_fds(be, fds + 2, &timeout);
		int n = poll(fds, (nfds_t)nfds, timeout);

		if (n < 0 && errno != EINTR)
			break;
		if (fds[0].revents && on_signal(p, be, sig))
			break;
		if (fds[1].revents)
			xenstore_changed(p, x, be);
		p->work(be, n, fds + 2);
	}
}

int bk_main(const struct bk_program *p, struct bkx *x, void *be, int argc, char **argv)
{
	struct kcf_cli cf = { 0 };
	int sig;

	if (parse(p, x, &cf, be, argc, argv)) {
		p->release(be);
		return usage(p);
	}
	snprintf(log_prefix, sizeof(log_prefix), "%s d%u/%u", p->name, x->domid, x->devid);
	sig = signal_fd(p);
	if (sig < 0 || confine(p, &cf, true) || p->start(be) || confine(p, &cf, false)) {
		p->release(be);
		return 1;
	}
	loop(p, x, be, sig);
	p->disconnect(be);
	p->stop(be);
	p->release(be);
	close(sig);
	return x->failed ? 1 : 0;
}
