/*
 * Unit tests: netfront's frame path (pv-drivers/front/netfront_io.c,
 * built for the host) against ketch-netback's (netback_tx.c, netback_rx.c)
 * over one fake guest memory: a memfd holding the grant table, both ring
 * pages and netfront's buffers, which the backend reaches through
 * libketchgnt as it reaches a real guest; a socket pair stands in for the
 * TAP.  Frames go out in one slot and in several (NETTXF_more_data),
 * come in to the buffers netfront keeps posted, and a backend that breaks
 * the protocol makes the device unusable.
 */
#include <check.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../pv-drivers/back/netback.h"
#include <xen/errno.h>

#include "../../pv-drivers/front/netfront.h"
#include "../../pv-drivers/front/netfront_state.h"
#include <xen/io/xenbus.h>
#include "pv_net_loop.h"

#define PAGES (8 + 2 * NETFRONT_BUFS)
#define TABLE_PFN 2
#define TX_PFN 3
#define RX_PFN 4
#define BUF_PFN 8 /* tx buffer i: BUF_PFN + i, ref 8 + i; rx: after them */

static int memfd, peer;
static uint8_t *mem;
static grant_entry_v1_t *table;
static struct nb *b;
static struct netfront *d;
static unsigned int to_guest;
static uint8_t got[4096];
static unsigned int got_len, got_n;

/* What the rest of the kit and netback_main.c provide. */
void bk_log(const char *fmt, ...) { (void)fmt; }
void nb_notify(struct nb *nb) { (void)nb; to_guest++; }
uint64_t nb_now_ns(void) { return 0; } /* no rate limit here */
static void run_backend(void)
{
	nb_tx_work(b);
	nb_rx_work(b);
}

static void grant(grant_ref_t ref, uint32_t pfn, bool ro)
{
	table[ref] = (grant_entry_v1_t){ .flags = GTF_permit_access | (ro ? GTF_readonly : 0),
					 .domid = 0, .frame = pfn };
}

static void setup(void)
{
	struct kctl_gnttab_info info = { .domid = 7, .nr_frames = 1, .max_frames = 32,
		.nr_pages = PAGES };
	int sv[2], err = 0;

	memfd = memfd_create("fake-guest", 0);
	ck_assert_int_eq(ftruncate(memfd, PAGES * 4096), 0);
	mem = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	table = (grant_entry_v1_t *)(mem + TABLE_PFN * 4096);
	for (unsigned int i = 0; i < NETFRONT_BUFS; i++) {
		grant(8 + i, BUF_PFN + i, true);
		grant(8 + NETFRONT_BUFS + i, BUF_PFN + NETFRONT_BUFS + i, false);
	}
	SHARED_RING_INIT((netif_tx_sring_t *)(mem + TX_PFN * 4096));
	SHARED_RING_INIT((netif_rx_sring_t *)(mem + RX_PFN * 4096));
	b = calloc(1, sizeof(*b));
	for (int i = 0; i < KCTL_GNT_MAX_FRAMES; i++)
		info.gpfn[i] = ~0ULL;
	info.gpfn[0] = TABLE_PFN;
	b->gnt = kgnt_open_fd(NULL, dup(memfd), &info, 0, &err);
	ck_assert(b->gnt != NULL);
	BACK_RING_INIT(&b->tx, (netif_tx_sring_t *)(mem + TX_PFN * 4096), 4096);
	BACK_RING_INIT(&b->rx, (netif_rx_sring_t *)(mem + RX_PFN * 4096), 4096);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	b->tap_fd = sv[0];
	peer = sv[1];
	b->mtu = 1500;
	b->connected = true;
	to_guest = loop_to_backend = got_len = got_n = 0;
	loop_backend_run = run_backend;
	d = loop_front_new(mem, TX_PFN, RX_PFN, BUF_PFN, 8);
}

static void teardown(void)
{
	kgnt_close(b->gnt);
	close(b->tap_fd);
	close(peer);
	free(b);
	free(d);
	munmap(mem, PAGES * 4096);
	close(memfd);
}

static void on_frame(void *arg, const uint8_t *frame, unsigned int len)
{
	(void)arg;
	memcpy(got, frame, len);
	got_len = len;
	got_n++;
}

static void pattern(uint8_t *p, unsigned int n, unsigned int seed)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 13 + seed);
}

START_TEST(frames_out_in_one_slot_and_in_several)
{
	uint8_t f[1514], r[2048];

	ck_assert_uint_eq(loop_to_backend, 1); /* the buffers posted were announced */
	pattern(f, sizeof(f), 1);
	ck_assert_int_eq(netfront_send(d, f, 60, 0), 0);
	ck_assert_int_eq(netfront_send(d, f, sizeof(f), 512), 0); /* 3 slots */
	ck_assert_uint_eq(loop_front_inflight(d), 4);
	ck_assert(nb_tx_work(b));
	ck_assert_int_eq(read(peer, r, sizeof(r)), 60);
	ck_assert_mem_eq(r, f, 60);
	ck_assert_int_eq(read(peer, r, sizeof(r)), 1514);
	ck_assert_mem_eq(r, f, 1514);
	ck_assert_int_eq(netfront_poll(d, on_frame, NULL), 0);
	ck_assert_uint_eq(loop_front_inflight(d), 0);
	ck_assert_uint_eq(netfront_get_stats(d)->tx_slots, 4); /* 1 + 3 */
	ck_assert_uint_eq(b->c.tx_packets, 2);
	ck_assert_int_eq(netfront_send(d, f, 10, 0), -XEN_EINVAL);
	ck_assert_int_eq(netfront_send(d, f, 1515, 0), -XEN_EINVAL);
	ck_assert_int_eq(netfront_send(d, f, 1514, 64), -XEN_EINVAL); /* 24 slots */
}
END_TEST

START_TEST(frames_in_to_posted_buffers)
{
	uint8_t f[1514];

	pattern(f, sizeof(f), 2);
	for (unsigned int i = 0; i < NETFRONT_BUFS + 3; i++)
		ck_assert_int_eq(write(peer, f, 100 + i), (ssize_t)(100 + i));
	ck_assert(nb_rx_work(b));
	ck_assert_uint_eq(b->c.rx_packets, NETFRONT_BUFS);
	ck_assert(b->rx_more); /* its budget ran out */
	ck_assert(nb_rx_work(b));
	ck_assert(!nb_rx_wants_tap(b)); /* one frame waits for a buffer */
	ck_assert(!b->rx_more);
	ck_assert_int_eq(netfront_poll(d, on_frame, NULL), NETFRONT_BUFS);
	ck_assert_uint_eq(got_len, 100 + NETFRONT_BUFS - 1);
	ck_assert_mem_eq(got, f, got_len);
	ck_assert(nb_rx_work(b)); /* the buffers came back */
	ck_assert_int_eq(netfront_poll(d, on_frame, NULL), 3);
	ck_assert_uint_eq(got_len, 100 + NETFRONT_BUFS + 2);
	ck_assert_uint_eq(netfront_get_stats(d)->rx_packets, NETFRONT_BUFS + 3);
}
END_TEST

START_TEST(wait_sees_responses)
{
	uint8_t f[60] = { 0 };

	ck_assert_int_eq(netfront_wait(d, 0), -XEN_ETIME);
	ck_assert_int_eq(write(peer, f, sizeof(f)), 60);
	ck_assert(nb_rx_work(b));
	ck_assert_int_eq(netfront_wait(d, 0), 0);
	ck_assert_int_eq(netfront_poll(d, on_frame, NULL), 1);
}
END_TEST

START_TEST(raw_slots_get_their_statuses)
{
	netif_tx_request_t slots[3] = {
		{ .offset = 4000, .size = 200 }, { .gref = 100000, .size = 60 }, { .size = 60 } };
	int16_t st[3];

	ck_assert_int_eq(netfront_send_raw(d, slots, 3, st), 0);
	ck_assert_int_eq(st[0], NETIF_RSP_ERROR);
	ck_assert_int_eq(st[1], NETIF_RSP_ERROR);
	ck_assert_int_eq(st[2], NETIF_RSP_OKAY);
	ck_assert_uint_eq(b->c.tx_refused[NETIF_TX_CROSS_PAGE], 1);
	ck_assert_uint_eq(b->c.tx_bad_grant, 1);
	ck_assert_uint_eq(b->c.tx_packets, 1);
	ck_assert_uint_eq(loop_front_inflight(d), 0);
}
END_TEST

START_TEST(a_backend_breaking_the_protocol)
{
	/* A response in buffer 0's slot naming buffer 5. */
	netif_rx_back_next(&b->rx, &(netif_rx_request_t){ 0 });
	netif_rx_back_respond(&b->rx, 5, 0, 0, 60);
	netif_rx_back_push(&b->rx);
	ck_assert_int_eq(netfront_poll(d, on_frame, NULL), -XEN_EBADMSG);
	ck_assert_int_eq(netfront_send(d, got, 60, 0), -XEN_EBADMSG);
	ck_assert_uint_eq(got_n, 0);
}
END_TEST

START_TEST(more_responses_than_requests)
{
	((netif_tx_sring_t *)(mem + TX_PFN * 4096))->rsp_prod = 3;
	ck_assert_int_eq(netfront_poll(d, on_frame, NULL), -XEN_EBADMSG);
}
END_TEST

/* The backend's process restarts: a fresh backend ring on the same pages. */
static void backend_restarts(void)
{
	BACK_RING_INIT(&b->tx, (netif_tx_sring_t *)(mem + TX_PFN * 4096), 4096);
	BACK_RING_INIT(&b->rx, (netif_rx_sring_t *)(mem + RX_PFN * 4096), 4096);
}

START_TEST(a_reconnection_drops_tx_in_flight_and_reposts_rx)
{
	uint8_t f[1514], r[2048];

	pattern(f, sizeof(f), 3);
	ck_assert_int_eq(netfront_send(d, f, 60, 0), 0);
	ck_assert_int_eq(netfront_send(d, f, 1000, 512), 0); /* 2 slots */
	ck_assert_uint_eq(loop_front_inflight(d), 3);
	/* The backend died with them: the frontend starts over. */
	loop_front_reconnected(d);
	backend_restarts();
	ck_assert_uint_eq(loop_front_inflight(d), 0);
	ck_assert_uint_eq(loop_front_tx_dropped(d), 3);
	ck_assert_uint_eq(b->tx.sring->req_prod, 0); /* nothing replayed */
	ck_assert_uint_eq(b->rx.sring->req_prod, NETFRONT_BUFS); /* every buffer posted again */
	/* Both ways work on the new rings. */
	ck_assert_int_eq(netfront_send(d, f, 200, 0), 0);
	ck_assert(nb_tx_work(b));
	ck_assert_int_eq(read(peer, r, sizeof(r)), 200);
	ck_assert_mem_eq(r, f, 200);
	ck_assert_int_eq(write(peer, f, 300), 300);
	ck_assert(nb_rx_work(b));
	ck_assert_int_eq(netfront_poll(d, on_frame, NULL), 1);
	ck_assert_uint_eq(got_len, 300);
	ck_assert_mem_eq(got, f, 300);
	ck_assert_uint_eq(loop_front_inflight(d), 0);
}
END_TEST

START_TEST(what_each_backend_state_means)
{
	/* Restarted (Closed, then InitWait) or closed on an error while the
	 * vif stays online: connect again. */
	ck_assert_int_eq(nf_backend_action(XenbusStateClosed, 1), NF_RECONNECT);
	ck_assert_int_eq(nf_backend_action(XenbusStateInitWait, 1), NF_RECONNECT);
	ck_assert_int_eq(nf_backend_action(XenbusStateInitialising, 1), NF_RECONNECT);
	ck_assert_int_eq(nf_backend_action(XenbusStateClosing, 1), NF_RECONNECT);
	/* The toolstack removing the vif: close. */
	ck_assert_int_eq(nf_backend_action(XenbusStateClosing, 0), NF_CLOSE);
	ck_assert_int_eq(nf_backend_action(XenbusStateClosed, 0), NF_CLOSE);
	ck_assert_int_eq(nf_backend_action(XenbusStateUnknown, 1), NF_CLOSE);
	/* Nothing to do. */
	ck_assert_int_eq(nf_backend_action(XenbusStateConnected, 1), NF_STAY);
	ck_assert_int_eq(nf_backend_action(XenbusStateConnected, 0), NF_STAY);
	ck_assert_int_eq(nf_backend_action(XenbusStateReconfigured, 1), NF_STAY);
	ck_assert_int_eq(nf_backend_action(XenbusStateInitialised, 1), NF_STAY);
	/* Not a state: the device is not to be trusted further. */
	ck_assert_int_eq(nf_backend_action(-1, 1), NF_BROKEN);
	ck_assert_int_eq(nf_backend_action(9, 1), NF_BROKEN);
	ck_assert_int_eq(nf_backend_action(1L << 40, 1), NF_BROKEN);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pv_net_loop");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, frames_out_in_one_slot_and_in_several);
	tcase_add_test(tc, frames_in_to_posted_buffers);
	tcase_add_test(tc, wait_sees_responses);
	tcase_add_test(tc, raw_slots_get_their_statuses);
	tcase_add_test(tc, a_backend_breaking_the_protocol);
	tcase_add_test(tc, more_responses_than_requests);
	tcase_add_test(tc, a_reconnection_drops_tx_in_flight_and_reposts_rx);
	tcase_add_test(tc, what_each_backend_state_means);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
