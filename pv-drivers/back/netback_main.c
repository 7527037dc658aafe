/*
 * ketch-netback - the backend of one PV network interface (see README.md).
 *   ketch-netback --domid N --devid N [--bridge NAME [--create-bridge]]
 *                 [--mtu N] [--hv-socket PATH] [--user NAME] [--no-confine]
 * The bridge and MTU default to the backend directory's "bridge" and
 * "mtu" nodes (libxl writes them), else no bridge and 1500.  ketch-hv's
 * socket: --hv-socket, else $KETCH_HV_SOCKET; xenstore: where
 * libxenstore looks ($XENSTORED_PATH).  Exit 0 when the vif is removed
 * or its domain stops, 1 on a failure to start, 2 on bad options.
 * SIGUSR1 logs the counters; SIGTERM ends it cleanly.
 */
#include <errno.h>
#include <linux/capability.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "netback.h"

/* Without feature-rx-notify the frontend never says it posted buffers:
 * look again this often while a frame waits for one. */
#define NB_RX_POLL_MS 10

static char log_prefix[64] = "ketch-netback";

void nb_log(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", log_prefix);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void nb_log_counters(const struct nb *b, const char *why)
{
	const struct nb_counters *c = &b->c;
	uint64_t refused = 0;
	char detail[512] = "";
	size_t at = 0;

	for (int e = 1; e < NETIF_TX_NR_ERRORS; e++) {
		refused += c->tx_refused[e];
		if (c->tx_refused[e] && at < sizeof(detail))
			at += (size_t)snprintf(detail + at, sizeof(detail) - at, "; %s %llu",
					       netif_tx_strerror(e),
					       (unsigned long long)c->tx_refused[e]);
	}
	nb_log("%s: tx %llu packets %llu bytes, %llu refused, %llu bad grants, %llu csum "
	       "dropped, %llu tap dropped; rx %llu packets %llu bytes, %llu too big, %llu bad "
	       "grants; %llu ring errors%s",
	       why, (unsigned long long)c->tx_packets, (unsigned long long)c->tx_bytes,
	       (unsigned long long)refused, (unsigned long long)c->tx_bad_grant,
	       (unsigned long long)c->tx_csum_dropped, (unsigned long long)c->tx_tap_dropped,
	       (unsigned long long)c->rx_packets, (unsigned long long)c->rx_bytes,
	       (unsigned long long)c->rx_too_big, (unsigned long long)c->rx_bad_grant,
	       (unsigned long long)c->ring_errors, detail);
}

static int usage(void)
{
	fprintf(stderr, "usage: ketch-netback --domid N --devid N [--bridge NAME "
			"[--create-bridge]] [--mtu N] [--hv-socket PATH] [--user NAME] "
			"[--no-confine]\n");
	return 2;
}

static bool parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 10);
	*v = (uint32_t)x;
	return !errno && end != s && !*end && x <= UINT32_MAX;
}

static int parse(struct nb *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domid", required_argument, NULL, 'd' },
		{ "devid", required_argument, NULL, 'v' },
		{ "bridge", required_argument, NULL, 'b' },
		{ "create-bridge", no_argument, NULL, 'c' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "hv-socket", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "no-confine", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_dom = false, have_dev = false, mtu_ok = true;
	uint32_t mtu = 0;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': have_dom = parse_u32(optarg, &b->domid); break;
		case 'v': have_dev = parse_u32(optarg, &b->devid); break;
		case 'b': b->bridge = optarg; break;
		case 'c': b->create_bridge = true; break;
		case 'm': mtu_ok = parse_u32(optarg, &mtu); break;
		case 's': b->hv_socket = optarg; break;
		case 'u': b->confine.user = optarg; break;
		case 'N': b->confine.off = true; break;
		default: return -1;
		}
	}
	if (optind != argc || !have_dom || !have_dev || !b->domid || !mtu_ok ||
	    (mtu && (mtu < NB_MTU_MIN || mtu > NB_MTU_MAX)))
		return -1;
	b->mtu = mtu;
	if (!b->hv_socket)
		b->hv_socket = getenv("KETCH_HV_SOCKET");
	return 0;
}

/* Bridge and MTU from the backend directory when not given as options. */
static int xenstore_defaults(struct nb *b)
{
	char *v;
	unsigned long mtu;

	if (!b->bridge && (v = nb_xenbus_be_node(b, "bridge")))
		b->bridge = b->bridge_node = v;
	if (b->mtu)
		return 0;
	v = nb_xenbus_be_node(b, "mtu");
	mtu = v ? strtoul(v, NULL, 10) : 1500;
	free(v);
	if (mtu < NB_MTU_MIN || mtu > NB_MTU_MAX) {
		nb_log("mtu %lu: must be %u..%u", mtu, NB_MTU_MIN, NB_MTU_MAX);
		return -EINVAL;
	}
	b->mtu = (unsigned int)mtu;
	return 0;
}

static int start(struct nb *b)
{
	int r;

	b->hv = kctl_open(b->hv_socket, &r);
	if (!b->hv) {
		nb_log("cannot reach ketch-hv: %s", kctl_strerror(r));
		return r;
	}
	if ((r = nb_xenbus_open(b)) || (r = xenstore_defaults(b)) || (r = nb_tap_open(b)))
		return r;
	return nb_xenbus_start(b);
}

void nb_notify(struct nb *b)
{
	uint64_t one = 1;

	if (write(b->to_guest, &one, sizeof(one)) < 0 && errno != EAGAIN)
		nb_log("cannot notify the frontend: %s", strerror(errno));
}

/*
 * Capabilities go before libxenstore starts its reader thread (they are
 * per thread), all but CAP_NET_ADMIN for the TAP and bridge; the seccomp
 * filter, the rest and --user once the TAP and both sockets are open
 * (docs/security.md).
 */
static int confine(struct nb *b, bool early)
{
	char err[256];
	int r;

	if (b->confine.off) {
		if (!early) {
			nb_log("not confined (--no-confine)");
			kcf_selftest("ketch-netback"); /* test builds: the same probes, unrefused */
		}
		return 0;
	}
	r = early ? kcf_drop_early(1ULL << CAP_NET_ADMIN, b->confine.user, err, sizeof(err))
		  : kcf_confine_netback(b->confine.user, err, sizeof(err));
	if (r)
		nb_log("cannot confine: %s", err);
	else if (!early)
		nb_log("confined: seccomp allow-list, no capabilities%s%s",
		       b->confine.user ? ", user " : "", b->confine.user ? b->confine.user : "");
	return r;
}

static int signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/* A signal: true if it asks us to stop. */
static bool on_signal(struct nb *b, int sig)
{
	struct signalfd_siginfo si;

	if (read(sig, &si, sizeof(si)) != sizeof(si))
		return false;
	if (si.ssi_signo == SIGUSR1) {
		nb_log_counters(b, "counters");
		return false;
	}
	return true;
}

/* The guest kicked us or work was left over: both directions, bounded. */
static void guest_work(struct nb *b, bool kicked)
{
	uint64_t cnt;

	if (kicked && read(b->from_guest, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		nb_log("event channel: %s", strerror(errno));
	if (!nb_tx_work(b) || !nb_rx_work(b)) {
		nb_disconnect(b); /* this vif only; the process stays for a reconnect */
		nb_switch_state(b, XenbusStateClosing);
	}
}

static int poll_timeout(const struct nb *b)
{
	if (!b->connected)
		return -1;
	if (b->tx_more || b->rx_more)
		return 0;
	return b->frame_len && !b->rx_notify ? NB_RX_POLL_MS : -1;
}

static void loop(struct nb *b, int sig)
{
	while (!b->quit) {
		struct pollfd p[4] = {
			{ .fd = sig, .events = POLLIN },
			{ .fd = xs_fileno(b->xs), .events = POLLIN },
			{ .fd = b->connected ? b->from_guest : -1, .events = POLLIN },
			{ .fd = nb_rx_wants_tap(b) ? b->tap_fd : -1, .events = POLLIN },
		};
		int n = poll(p, 4, poll_timeout(b));

		if (n < 0 && errno != EINTR)
			break;
		if (p[0].revents && on_signal(b, sig))
			break;
		if (p[1].revents)
			nb_xenbus_changed(b);
		if (b->connected && (n == 0 || p[2].revents || p[3].revents || b->tx_more ||
				     b->rx_more))
			guest_work(b, p[2].revents);
	}
}

/* Everything start() may have opened; safe on a half-started backend. */
static void release(struct nb *b)
{
	if (b->xs)
		xs_close(b->xs);
	kctl_close(b->hv);
	if (b->tap_fd >= 0)
		close(b->tap_fd);
	free(b->bridge_node);
	free(b);
}

int main(int argc, char **argv)
{
	struct nb *b = calloc(1, sizeof(*b));
	int sig;

	if (!b)
		return 1;
	b->tap_fd = b->from_guest = b->to_guest = -1;
	if (parse(b, argc, argv)) {
		free(b);
		return usage();
	}
	snprintf(log_prefix, sizeof(log_prefix), "ketch-netback d%u/%u", b->domid, b->devid);
	sig = signal_fd();
	if (sig < 0 || confine(b, true) || start(b) || confine(b, false)) {
		release(b);
		return 1;
	}
	loop(b, sig);
	nb_disconnect(b);
	if (b->state != XenbusStateClosed)
		nb_switch_state(b, XenbusStateClosed);
	nb_log_counters(b, "stopped");
	release(b);
	return 0;
}
