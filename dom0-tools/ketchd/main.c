/*
 * main.c - ketchd: options (flag, then environment, then default; see
 * docs/config-reference.md), connecting to ketch-hv and ketch-xenstored,
 * and the one loop that serves everything until SIGTERM/SIGINT, which
 * destroys the domains ketchd created and removes its socket.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xenstore.h>

#include "ketchd.h"
#include "ketch/confine.h"
#include "migrate.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ketchd [--socket PATH] [--hv-socket PATH] [--xenstore PATH]\n"
		"              [--log-dir DIR] [--state-dir DIR] [--console-log-max BYTES]\n"
		"              [--shutdown-timeout SEC] [--hv-timeout SEC] [--blkback PATH]\n"
		"              [--netback PATH] [--create-bridge] [--backend-user NAME]\n"
		"              [--migrate-listen ADDR:PORT] [--migrate-key FILE]\n"
		"              [--migrate-timeout SEC]\n"
		"Runs in the foreground.  Environment: KETCH_SOCKET, KETCH_HV_SOCKET,\n"
		"XENSTORED_PATH, KETCH_LOG_DIR, KETCH_STATE_DIR, KETCH_BLKBACK,\n"
		"KETCH_NETBACK, KETCH_CREATE_BRIDGE, KETCH_BACKEND_USER, KETCH_MIGRATE_LISTEN,\n"
		"KETCH_MIGRATE_KEY\n"
		"(docs/config-reference.md).\n");
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

/* The backends are installed beside ketchd unless told otherwise. */
static int default_backend(const char **opt, const char *name, char *path, size_t size)
{
	ssize_t n;
	char *slash;

	if (*opt)
		return 0;
	n = readlink("/proc/self/exe", path, size - 16);
	if (n <= 0 || !(slash = memrchr(path, '/', (size_t)n)))
		return fprintf(stderr, "ketchd: cannot find %s: give --%s\n", name, name + 6), -1;
	strcpy(slash + 1, name);
	*opt = path;
	return 0;
}

static int default_backends(struct kd_opts *o)
{
	static char blkback[4096], netback[4096];

	return default_backend(&o->blkback, "ketch-blkback", blkback, sizeof(blkback)) ||
	       default_backend(&o->netback, "ketch-netback", netback, sizeof(netback)) ? -1 : 0;
}

static int parse_opts(int argc, char **argv, struct kd_opts *o)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "hv-socket", required_argument, NULL, 'H' },
		{ "xenstore", required_argument, NULL, 'x' },
		{ "log-dir", required_argument, NULL, 'l' },
		{ "console-log-max", required_argument, NULL, 'm' },
		{ "shutdown-timeout", required_argument, NULL, 't' },
		{ "hv-timeout", required_argument, NULL, 'T' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "blkback", required_argument, NULL, 'B' },
		{ "backend-user", required_argument, NULL, 'U' },
		{ "netback", required_argument, NULL, 'N' },
		{ "create-bridge", no_argument, NULL, 'C' },
		{ "migrate-listen", required_argument, NULL, 'L' },
		{ "migrate-key", required_argument, NULL, 'K' },
		{ "migrate-timeout", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char *end;
	int c;

	o->socket = env_or("KETCH_SOCKET", KD_DEFAULT_SOCKET);
	o->hv_socket = env_or("KETCH_HV_SOCKET", KCTL_DEFAULT_SOCKET);
	o->xenstore = env_or("XENSTORED_PATH", NULL);
	o->log_dir = env_or("KETCH_LOG_DIR", KD_DEFAULT_LOG_DIR);
	o->state_dir = env_or("KETCH_STATE_DIR", NULL);
	o->blkback = env_or("KETCH_BLKBACK", NULL);
	o->backend_user = env_or("KETCH_BACKEND_USER", NULL);
	o->netback = env_or("KETCH_NETBACK", NULL);
	o->create_bridge = !strcmp(env_or("KETCH_CREATE_BRIDGE", "0"), "1");
	o->console_log_max = 1 << 20;
	o->shutdown_timeout_s = 30;
	o->hv_timeout_s = 10;
	o->migrate_listen = env_or("KETCH_MIGRATE_LISTEN", NULL);
	o->migrate_key = env_or("KETCH_MIGRATE_KEY", NULL);
	o->migrate_timeout_s = 30;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's': o->socket = optarg; break;
		case 'H': o->hv_socket = optarg; break;
		case 'x': o->xenstore = optarg; break;
		case 'l': o->log_dir = optarg; break;
		case 'S': o->state_dir = optarg; break;
		case 'B': o->blkback = optarg; break;
		case 'U': o->backend_user = optarg; break;
		case 'N': o->netback = optarg; break;
		case 'C': o->create_bridge = true; break;
		case 'L': o->migrate_listen = optarg; break;
		case 'K': o->migrate_key = optarg; break;
		case 'M':
			o->migrate_timeout_s = (int)strtol(optarg, &end, 10);
			if (*end || o->migrate_timeout_s < 1 || o->migrate_timeout_s > 3600)
				return fprintf(stderr, "ketchd: --migrate-timeout: 1..3600\n"), -1;
			break;
		case 'm':
			o->console_log_max = strtoull(optarg, &end, 10);
			if (*end || o->console_log_max < 4096)
				return fprintf(stderr, "ketchd: --console-log-max: at least 4096\n"), -1;
			break;
		case 't':
			o->shutdown_timeout_s = (int)strtol(optarg, &end, 10);
			if (*end || o->shutdown_timeout_s < 1 || o->shutdown_timeout_s > 3600)
				return fprintf(stderr, "ketchd: --shutdown-timeout: 1..3600\n"), -1;
			break;
		case 'T':
			o->hv_timeout_s = (int)strtol(optarg, &end, 10);
			if (*end || o->hv_timeout_s < 1 || o->hv_timeout_s > 3600)
				return fprintf(stderr, "ketchd: --hv-timeout: 1..3600\n"), -1;
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc)
		return usage(stderr), -1;
	if (o->migrate_listen && !o->migrate_key)
		return fprintf(stderr, "ketchd: --migrate-listen needs --migrate-key: a "
			       "connection must prove it holds the key\n"), -1;
	return default_backends(o);
}

/* The migration key, read once: both ends of a migration hold the same. */
static int load_migrate_key(struct kd *kd)
{
	char why[320];

	if (!kd->opt.migrate_key)
		return 0;
	if (mig_load_key(kd->opt.migrate_key, kd->mig_key, &kd->mig_klen, why, sizeof(why)))
		return kd_log("--migrate-key %s", why), -1;
	return 0;
}

static int watch_fd(struct kd *kd, int fd, struct kd_watch *w, enum kd_watch_type t, void *obj)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };

	w->type = t;
	w->obj = obj;
	return epoll_ctl(kd->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int connect_xenstore(struct kd *kd)
{
	if (!kd->opt.xenstore) {
		kd_log("no xenstore configured (--xenstore / XENSTORED_PATH): domains get "
		       "no xenstore entries and shutdown/reboot requests are refused");
		return 0;
	}
	setenv("XENSTORED_PATH", kd->opt.xenstore, 1);
	kd->xs = xs_open(XS_OPEN_SOCKETONLY);
	if (!kd->xs) {
		kd_log("cannot connect to xenstored at %s: %s", kd->opt.xenstore, strerror(errno));
		return -1;
	}
	return 0;
}

static int setup(struct kd *kd)
{
	sigset_t set;
	int err, r;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD); /* backends' exits, read from sig_fd */
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	kcf_raise_fd_limit();
	/* Bounded, so one stuck request cannot freeze the loop that serves everything. */
	kd->hv = kctl_open_timeout(kd->opt.hv_socket, kd->opt.hv_timeout_s * 1000, &err);
	if (!kd->hv)
		return kd_log("cannot reach ketch-hv at %s: %s", kd->opt.hv_socket,
			      kctl_strerror(err)), -1;
	kd->ev = kctl_subscribe_timeout(kd->opt.hv_socket, kd->opt.hv_timeout_s * 1000, &err);
	if (!kd->ev)
		return kd_log("cannot subscribe to ketch-hv events: %s", kctl_strerror(err)), -1;
	if (connect_xenstore(kd) < 0 || load_migrate_key(kd) || kd_migrate_listen(kd))
		return -1;
	if (mkdir(kd->opt.log_dir, 0750) < 0 && errno != EEXIST)
		kd_log("log directory %s: %s", kd->opt.log_dir, strerror(errno));
	kd->epfd = epoll_create1(EPOLL_CLOEXEC);
	kd->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	r = kd_server_listen(kd);
	if (r == -EADDRINUSE)
		return kd_log("another ketchd already serves %s", kd->opt.socket), -1;
	if (r)
		return kd_log("cannot listen on %s: %s", kd->opt.socket, strerror(-r)), -1;
	r = kd_state_restore(kd);
	if (r)
		return kd_log("state directory %s: %s", kd->opt.state_dir, strerror(-r)), -1;
	if (watch_fd(kd, kd->listen_fd, &kd->listen_w, KD_W_LISTEN, NULL) ||
	    watch_fd(kd, kctl_events_fd(kd->ev), &kd->ev_w, KD_W_HVEVENTS, NULL) ||
	    watch_fd(kd, kd->sig_fd, &kd->sig_w, KD_W_SIGNAL, NULL) ||
	    (kd->mig_fd >= 0 && watch_fd(kd, kd->mig_fd, &kd->mig_w, KD_W_MIGRATE, NULL)))
		return kd_log("epoll: %s", strerror(errno)), -1;
	return 0;
}

/* SIGCHLD: reap backends; SIGTERM or SIGINT: stop. */
static void signals(struct kd *kd)
{
	struct signalfd_siginfo si;

	while (read(kd->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			kd_vbd_reap(kd);
		else
			kd->stop = true;
	}
}

/* The nearer of two timeouts (-1: none). */
static int nearer(int a, int b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

static void dispatch(struct kd *kd, struct epoll_event *e)
{
	struct kd_watch *w = e->data.ptr;
	int evfd = kctl_events_fd(kd->ev);

	if (e->data.u64 == KD_MIG_TAG)
		return; /* the loop reads the children's messages next time round */
	if (e->data.u64 & KD_CONSOLE_TAG) {
		struct kd_domain *d = kd_domain_by_id(kd, (uint32_t)e->data.u64);

		if (d && (e->data.u64 & KD_PTY_TAG))
			kd_pty_input(kd, d);
		else if (d)
			kd_console_drain(kd, d);
		return;
	}
	switch (w->type) {
	case KD_W_LISTEN: kd_server_accept(kd); break;
	case KD_W_CONN: kd_server_io(kd, w->obj, e->events); break;
	case KD_W_CONSOLE: break;
	case KD_W_SIGNAL: signals(kd); break;
	case KD_W_MIGRATE: kd_migrate_accept(kd); break;
	case KD_W_HVEVENTS:
		kd_lifecycle_hv_events(kd);
		if (kd->ev && kctl_events_fd(kd->ev) != evfd)
			watch_fd(kd, kctl_events_fd(kd->ev), &kd->ev_w, KD_W_HVEVENTS, NULL);
		break;
	}
}

static void serve(struct kd *kd)
{
	struct epoll_event evs[64];

	kd_log("serving %s (ketch-hv %s, xenstore %s)", kd->opt.socket, kd->opt.hv_socket,
	       kd->opt.xenstore ? kd->opt.xenstore : "none");
	while (!kd->stop) {
		int t = nearer(nearer(kd_lifecycle_timers(kd), kd_vbd_timers(kd)),
			       nearer(nearer(kd_vif_timers(kd), kd_save_timers(kd)),
				      kd_migrate_timers(kd)));
		int n;

		if (kd_server_resume(kd))
			t = 0; /* those lines may have set new timers */
		n = epoll_wait(kd->epfd, evs, 64, t);

		if (n < 0 && errno != EINTR)
			break;
		/* A handler may destroy a domain whose console event is later in
		 * this batch: consoles are registered by domid, not by pointer. */
		for (int i = 0; i < n && !kd->stop; i++)
			dispatch(kd, &evs[i]);
		kd_server_reap(kd);
	}
}

/* Let go of the domains without touching them (a later ketchd adopts them). */
static void release_all(struct kd *kd)
{
	while (kd->domains) {
		struct kd_domain *d = kd->domains;

		kd->domains = d->next;
		kd_console_close(kd, d, false);
		kd_save_abandon(kd, d);
		kd_migrate_abandon(kd, d);
		kd_vbd_release_all(d);
		kd_vif_release_all(d);
		kd_config_free(&d->cfg);
		free(d);
	}
}

int main(int argc, char **argv)
{
	struct kd kd = { .listen_fd = -1, .sig_fd = -1, .epfd = -1, .mig_fd = -1 };

	if (parse_opts(argc, argv, &kd.opt) < 0)
		return 2;
	if (setup(&kd) < 0)
		return 1;
	serve(&kd);
	if (kd.opt.state_dir) {
		kd_log("stopping: domains keep running; their state is in %s", kd.opt.state_dir);
		release_all(&kd);
	} else {
		kd_log("stopping: destroying %s domains", kd.domains ? "its" : "no");
		while (kd.domains)
			kd_domain_destroy(&kd, kd.domains);
	}
	kd_server_close_all(&kd);
	unlink(kd.opt.socket);
	if (kd.xs)
		xs_close(kd.xs);
	kctl_events_close(kd.ev);
	kctl_close(kd.hv);
	return 0;
}
