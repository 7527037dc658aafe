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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netback.h"

/* Without feature-rx-notify the frontend never says it posted buffers:
 * look again this often while a frame waits for one. */
#define NB_RX_POLL_MS 10

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
	bk_log("%s: tx %llu packets %llu bytes, %llu refused, %llu bad grants, %llu csum "
	       "dropped, %llu tap dropped; rx %llu packets %llu bytes, %llu too big, %llu bad "
	       "grants; %llu ring errors%s",
	       why, (unsigned long long)c->tx_packets, (unsigned long long)c->tx_bytes,
	       (unsigned long long)refused, (unsigned long long)c->tx_bad_grant,
	       (unsigned long long)c->tx_csum_dropped, (unsigned long long)c->tx_tap_dropped,
	       (unsigned long long)c->rx_packets, (unsigned long long)c->rx_bytes,
	       (unsigned long long)c->rx_too_big, (unsigned long long)c->rx_bad_grant,
	       (unsigned long long)c->ring_errors, detail);
	if (b->credit.interval_ns)
		bk_log("%s: rate %llu bytes per %llu us, %llu packets waited for credit", why,
		       (unsigned long long)b->credit.bytes,
		       (unsigned long long)(b->credit.interval_ns / 1000),
		       (unsigned long long)c->tx_rate_waits);
}

uint64_t nb_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* The options of ours; --domid, --devid and the rest are backend_main's. */
static const struct option opts[] = {
	{ "bridge", required_argument, NULL, 'b' },
	{ "create-bridge", no_argument, NULL, 'c' },
	{ "mtu", required_argument, NULL, 'm' },
	{ NULL, 0, NULL, 0 },
};

static bool opt(void *be, int c, const char *arg)
{
	struct nb *b = be;
	uint32_t mtu;

	switch (c) {
	case 'b': b->bridge = arg; return true;
	case 'c': b->create_bridge = true; return true;
	case 'm':
		if (!bk_parse_u32(arg, &mtu) || (mtu && (mtu < NB_MTU_MIN || mtu > NB_MTU_MAX)))
			return false;
		b->mtu = mtu;
		return true;
	default: return false;
	}
}

/* Bridge and MTU from the backend directory when not given as options. */
static int xenstore_defaults(struct nb *b)
{
	char *v;
	unsigned long mtu;

	if (!b->bridge && (v = bkx_get(&b->x, b->x.be, "bridge")))
		b->bridge = b->bridge_node = v;
	if (b->mtu)
		return 0;
	v = bkx_get(&b->x, b->x.be, "mtu");
	mtu = v ? strtoul(v, NULL, 10) : 1500;
	free(v);
	if (mtu < NB_MTU_MIN || mtu > NB_MTU_MAX) {
		bk_log("mtu %lu: must be %u..%u", mtu, NB_MTU_MIN, NB_MTU_MAX);
		return -EINVAL;
	}
	b->mtu = (unsigned int)mtu;
	return 0;
}

static int start(void *be)
{
	struct nb *b = be;
	int r;

	b->x.hv = kctl_open(b->x.hv_socket, &r);
	if (!b->x.hv) {
		bk_log("cannot reach ketch-hv: %s", kctl_strerror(r));
		return r;
	}
	if ((r = bkx_open(&b->x, "vif", "vif")) || (r = xenstore_defaults(b)) ||
	    (r = nb_tap_open(b)))
		return r;
	return nb_xenbus_start(b);
}

void nb_notify(struct nb *b)
{
	uint64_t one = 1;

	if (write(b->to_guest, &one, sizeof(one)) < 0 && errno != EAGAIN)
		bk_log("cannot notify the frontend: %s", strerror(errno));
}

/* The guest kicked us or work was left over: both directions, bounded. */
static void guest_work(struct nb *b, bool kicked)
{
	uint64_t cnt;

	if (kicked && read(b->from_guest, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		bk_log("event channel: %s", strerror(errno));
	if (!nb_tx_work(b) || !nb_rx_work(b)) {
		nb_disconnect(b); /* this vif only; the process stays for a reconnect */
		nb_switch_state(b, XenbusStateClosing);
	}
}

/* The sooner of two poll timeouts (-1: none). */
static int sooner(int a, int b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

/* The guest's event channel while connected, the TAP while a buffer
 * waits for a frame; at once while work is left, every NB_RX_POLL_MS
 * while a frame waits for a frontend that never says it posted buffers,
 * and when the rate limit's credit comes for a packet held back. */
static int poll_fds(void *be, struct pollfd *p, int *timeout)
{
	struct nb *b = be;

	p[0] = (struct pollfd){ .fd = b->connected ? b->from_guest : -1, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = nb_rx_wants_tap(b) ? b->tap_fd : -1, .events = POLLIN };
	if (!b->connected)
		*timeout = -1;
	else if (b->tx_more || b->rx_more)
		*timeout = 0;
	else
		*timeout = b->frame_len && !b->rx_notify ? NB_RX_POLL_MS : -1;
	if (b->connected && b->tx_held)
		*timeout = sooner(*timeout, nb_credit_wait_ms(&b->credit, nb_now_ns()));
	return 2;
}

static void work(void *be, int n, const struct pollfd *p)
{
	struct nb *b = be;

	if (b->connected && (n == 0 || p[0].revents || p[1].revents || b->tx_more || b->rx_more))
		guest_work(b, p[0].revents);
}

/* Any xenstore event may be a new "rate" (we watch it too). */
static void follow(void *be, XenbusState fs)
{
	struct nb *b = be;

	if (b->connected)
		nb_rate_update(b, false);
	nb_xenbus_follow(b, fs);
}

static void disconnect(void *be)
{
	nb_disconnect(be);
}

static void on_usr1(void *be)
{
	nb_log_counters(be, "counters");
}

static void stop(void *be)
{
	struct nb *b = be;

	if (b->x.state != XenbusStateClosed)
		nb_switch_state(b, XenbusStateClosed);
	nb_log_counters(b, "stopped");
}

/* Everything start() may have opened; safe on a half-started backend. */
static void release(void *be)
{
	struct nb *b = be;

	bkx_close(&b->x);
	if (b->tap_fd >= 0)
		close(b->tap_fd);
	free(b->bridge_node);
	free(b->rate);
}

/* All but CAP_NET_ADMIN go early: the TAP and the bridge need it. */
static const struct bk_program netback = {
	.name = "ketch-netback",
	.usage = "[--bridge NAME [--create-bridge]] [--mtu N] ",
	.opts = opts,
	.opt = opt,
	.early_caps = 1ULL << CAP_NET_ADMIN,
	.confine = kcf_confine_netback,
	.start = start,
	.poll_fds = poll_fds,
	.follow = follow,
	.disconnect = disconnect,
	.work = work,
	.on_usr1 = on_usr1,
	.stop = stop,
	.release = release,
};

int main(int argc, char **argv)
{
	struct nb *b = calloc(1, sizeof(*b));
	int r;

	if (!b)
		return 1;
	b->tap_fd = b->from_guest = b->to_guest = -1;
	r = bk_main(&netback, &b->x, b, argc, argv);
	free(b);
	return r;
}
