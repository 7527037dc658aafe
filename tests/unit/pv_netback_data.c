/*
 * Unit tests: ketch-netback's data path (netback_tx.c, netback_rx.c,
 * netback_csum.c) against a fake guest: a memfd with a grant table, the
 * two ring pages and data pages, reached through libketchgnt exactly as
 * the real backend reaches a guest, and a SOCK_SEQPACKET socket pair in
 * place of the TAP (one frame per message, as a TAP reads and writes).
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

#define PAGES 48
#define TABLE_PFN 2
#define TX_PFN 3
#define RX_PFN 4
#define DATA_PFN 10 /* data page k is frame DATA_PFN + k, granted by ref 8 + k */

static int memfd, peer;
static uint64_t now; /* the clock netback's rate limit reads */
static uint8_t *mem;
static grant_entry_v1_t *table;
static netif_tx_front_ring_t txf;
static netif_rx_front_ring_t rxf;
static struct nb *b;
static unsigned int notified;

/* What netback_main.c provides to the files under test. */
void bk_log(const char *fmt, ...)
{
	(void)fmt;
}

void nb_notify(struct nb *nb)
{
	(void)nb;
	notified++;
}

uint64_t nb_now_ns(void)
{
	return now;
}

static uint8_t *page(unsigned int k)
{
	return mem + (DATA_PFN + k) * 4096;
}

static void setup(void)
{
	struct kctl_gnttab_info info = { .domid = 7, .nr_frames = 1, .max_frames = 32,
		.nr_pages = PAGES };
	int sv[2], err = 0;

	memfd = memfd_create("fake-guest", 0);
	ck_assert_int_eq(ftruncate(memfd, PAGES * 4096), 0);
	mem = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ck_assert(mem != MAP_FAILED);
	table = (grant_entry_v1_t *)(mem + TABLE_PFN * 4096);
	for (unsigned int k = 0; k < 32; k++)
		table[8 + k] = (grant_entry_v1_t){ .flags = GTF_permit_access, .domid = 0,
						   .frame = DATA_PFN + k };
	for (int i = 0; i < KCTL_GNT_MAX_FRAMES; i++)
		info.gpfn[i] = ~0ULL;
	info.gpfn[0] = TABLE_PFN;
	b = calloc(1, sizeof(*b));
	b->gnt = kgnt_open_fd(NULL, dup(memfd), &info, 0, &err);
	ck_assert_msg(b->gnt != NULL, "kgnt_open_fd: %d", err);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK); /* as the TAP is opened */
	b->tap_fd = sv[0];
	peer = sv[1];
	b->mtu = 1500;
	b->connected = true;
	SHARED_RING_INIT((netif_tx_sring_t *)(mem + TX_PFN * 4096));
	SHARED_RING_INIT((netif_rx_sring_t *)(mem + RX_PFN * 4096));
	FRONT_RING_INIT(&txf, (netif_tx_sring_t *)(mem + TX_PFN * 4096), 4096);
	FRONT_RING_INIT(&rxf, (netif_rx_sring_t *)(mem + RX_PFN * 4096), 4096);
	BACK_RING_INIT(&b->tx, (netif_tx_sring_t *)(mem + TX_PFN * 4096), 4096);
	BACK_RING_INIT(&b->rx, (netif_rx_sring_t *)(mem + RX_PFN * 4096), 4096);
	notified = 0;
}

static void teardown(void)
{
	kgnt_close(b->gnt);
	close(b->tap_fd);
	close(peer);
	free(b);
	munmap(mem, PAGES * 4096);
	close(memfd);
}

static void tx_slot(grant_ref_t ref, uint16_t offset, uint16_t size, uint16_t flags)
{
	*RING_GET_REQUEST(&txf, txf.req_prod_pvt) = (netif_tx_request_t){
		.gref = ref, .offset = offset, .flags = flags,
		.id = (uint16_t)txf.req_prod_pvt, .size = size };
	txf.req_prod_pvt++;
}

static void fill(uint8_t *p, unsigned int n, unsigned int seed)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed);
}

/* The statuses of the next n tx responses must be st. */
static void tx_responses(unsigned int n, int16_t st)
{
	netif_tx_response_t rsp;

	for (unsigned int i = 0; i < n; i++) {
		ck_assert_int_eq(netif_tx_front_next(&txf, &rsp), 1);
		ck_assert_int_eq(rsp.status, st);
	}
}

static void tx_no_more_responses(void)
{
	netif_tx_response_t rsp;

	ck_assert_int_eq(netif_tx_front_next(&txf, &rsp), 0);
}

START_TEST(tx_frames_reach_the_tap)
{
	uint8_t frame[2048], want[2048];

	fill(page(0) + 100, 60, 1);
	tx_slot(8, 100, 60, 0);
	fill(page(1) + 4000, 96, 2); /* 1000 bytes: 96 + 600 + 304 */
	fill(page(2), 600, 3);
	fill(page(3) + 10, 304, 4);
	tx_slot(9, 4000, 1000, NETTXF_more_data);
	tx_slot(10, 0, 600, NETTXF_more_data);
	tx_slot(11, 10, 304, 0);
	netif_tx_front_push(&txf);
	ck_assert(nb_tx_work(b));
	ck_assert_int_eq(read(peer, frame, sizeof(frame)), 60);
	ck_assert_mem_eq(frame, page(0) + 100, 60);
	ck_assert_int_eq(read(peer, frame, sizeof(frame)), 1000);
	memcpy(want, page(1) + 4000, 96);
	memcpy(want + 96, page(2), 600);
	memcpy(want + 696, page(3) + 10, 304);
	ck_assert_mem_eq(frame, want, 1000);
	tx_responses(4, NETIF_RSP_OKAY);
	tx_no_more_responses();
	ck_assert_uint_eq(b->c.tx_packets, 2);
	ck_assert_uint_eq(b->c.tx_bytes, 1060);
	ck_assert_uint_eq(notified, 1);
	ck_assert_int_eq(table[9].flags, GTF_permit_access); /* no pin left */
}
END_TEST

START_TEST(tx_bad_packets_refused_and_the_vif_goes_on)
{
	uint8_t frame[2048];

	tx_slot(300, 0, 60, 0);          /* a reference outside the table */
	tx_slot(8, 4090, 60, 0);         /* crosses its page */
	tx_slot(8, 0, 1600, 0);          /* larger than the MTU allows */
	table[12].flags |= GTF_readonly; /* read-only is fine for tx */
	fill(page(4), 64, 9);
	tx_slot(12, 0, 64, 0);
	netif_tx_front_push(&txf);
	ck_assert(nb_tx_work(b));
	tx_responses(3, NETIF_RSP_ERROR);
	tx_responses(1, NETIF_RSP_OKAY);
	tx_no_more_responses();
	ck_assert_int_eq(read(peer, frame, sizeof(frame)), 64);
	ck_assert_mem_eq(frame, page(4), 64);
	ck_assert_uint_eq(b->c.tx_bad_grant, 1);
	ck_assert_uint_eq(b->c.tx_refused[NETIF_TX_CROSS_PAGE], 1);
	ck_assert_uint_eq(b->c.tx_refused[NETIF_TX_OVERSIZE], 1);
	ck_assert_uint_eq(b->c.tx_packets, 1);
}
END_TEST

START_TEST(tx_impossible_index_reported)
{
	txf.sring->req_prod = 1000;
	ck_assert(!nb_tx_work(b));
	ck_assert_uint_eq(b->c.ring_errors, 1);
}
END_TEST

START_TEST(tx_work_is_bounded)
{
	uint8_t frame[128];
	unsigned int n = 0;

	for (unsigned int i = 0; i < NB_BUDGET + 10; i++)
		tx_slot(8, 0, 60, 0);
	netif_tx_front_push(&txf);
	ck_assert(nb_tx_work(b));
	ck_assert(b->tx_more);
	ck_assert_uint_eq(b->c.tx_packets, NB_BUDGET);
	ck_assert(nb_tx_work(b));
	ck_assert(!b->tx_more);
	while (read(peer, frame, sizeof(frame)) == 60 && n < 1000)
		if (++n == NB_BUDGET + 10)
			break;
	ck_assert_uint_eq(n, NB_BUDGET + 10);
}
END_TEST

/* With a rate of 130 bytes every 10 ms, two 60-byte frames pass; the
 * third is held, its slot unanswered and the ring left alone, until the
 * clock reaches the credit's timer; a malformed packet is charged too. */
START_TEST(tx_rate_limit_holds_packets)
{
	uint8_t frame[128];

	now = 1000000000;
	nb_credit_init(&b->credit, 130, 10000, now);
	for (unsigned int i = 0; i < 4; i++)
		tx_slot(8, 0, 60, 0);
	tx_slot(8, 4090, 60, 0); /* crosses its page: refused, charged */
	tx_slot(8, 0, 60, 0);
	netif_tx_front_push(&txf);
	ck_assert(nb_tx_work(b));
	tx_responses(2, NETIF_RSP_OKAY);
	tx_no_more_responses();
	ck_assert(b->tx_held && !b->tx_more);
	ck_assert_uint_eq(b->c.tx_rate_waits, 1);
	ck_assert_int_eq(nb_credit_wait_ms(&b->credit, now), 10);
	now += 5000000; /* a kick before the credit changes nothing */
	ck_assert(nb_tx_work(b));
	tx_no_more_responses();
	ck_assert_uint_eq(b->c.tx_rate_waits, 1);
	now += 5000000;
	ck_assert(nb_tx_work(b));
	tx_responses(2, NETIF_RSP_OKAY); /* 130 more: two, then the refused one waits */
	tx_no_more_responses();
	now += 10000000;
	ck_assert(nb_tx_work(b));
	tx_responses(1, NETIF_RSP_ERROR);
	tx_responses(1, NETIF_RSP_OKAY);
	tx_no_more_responses();
	ck_assert(!b->tx_held);
	ck_assert_uint_eq(b->c.tx_packets, 5);
	for (unsigned int i = 0; i < 5; i++)
		ck_assert_int_eq(read(peer, frame, sizeof(frame)), 60);
}
END_TEST

/* A UDP/IPv4 frame of 14 + 20 + 8 + 10 bytes, checksum left blank. */
static void udp_frame(uint8_t *f)
{
	static const uint8_t hdr[] = {
		0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x16, 0x3e, 0, 0, 1, 0x08, 0x00,
		0x45, 0, 0, 38, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1,
		0x30, 0x39, 0, 7, 0, 18, 0, 0 };

	memcpy(f, hdr, sizeof(hdr));
	memcpy(f + sizeof(hdr), "0123456789", 10);
}

START_TEST(tx_blank_checksum_finished)
{
	uint8_t frame[128];
	uint32_t sum = 0;

	udp_frame(page(0));
	tx_slot(8, 0, 52, NETTXF_csum_blank | NETTXF_data_validated);
	memset(page(1), 0, 60); /* not IPv4: its checksum cannot be set */
	tx_slot(9, 0, 60, NETTXF_csum_blank);
	netif_tx_front_push(&txf);
	ck_assert(nb_tx_work(b));
	tx_responses(2, NETIF_RSP_OKAY);
	tx_no_more_responses();
	ck_assert_int_eq(read(peer, frame, sizeof(frame)), 52);
	ck_assert(frame[40] || frame[41]);
	/* pseudo-header + segment sum to 0xffff with the checksum in place */
	for (unsigned int i = 26; i < 34; i += 2)
		sum += (uint32_t)(frame[i] << 8 | frame[i + 1]);
	sum += 17 + 18;
	for (unsigned int i = 34; i < 52; i += 2)
		sum += (uint32_t)(frame[i] << 8 | frame[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ck_assert_uint_eq(sum, 0xffff);
	ck_assert_uint_eq(b->c.tx_csum_dropped, 1);
	ck_assert_uint_eq(b->c.tx_packets, 1);
}
END_TEST

static void rx_post(uint16_t id, grant_ref_t ref)
{
	*RING_GET_REQUEST(&rxf, rxf.req_prod_pvt) = (netif_rx_request_t){ .id = id, .gref = ref };
	rxf.req_prod_pvt++;
	netif_rx_front_push(&rxf);
}

START_TEST(rx_frames_into_posted_buffers)
{
	uint8_t f1[100], f2[1514];
	netif_rx_response_t rsp;

	fill(f1, sizeof(f1), 5);
	fill(f2, sizeof(f2), 6);
	rx_post(1, 20);
	ck_assert_int_eq(write(peer, f1, sizeof(f1)), sizeof(f1));
	ck_assert_int_eq(write(peer, f2, sizeof(f2)), sizeof(f2));
	ck_assert_int_eq(write(peer, f1, 50), 50);
	ck_assert(nb_rx_wants_tap(b));
	ck_assert(nb_rx_work(b));
	ck_assert_int_eq(netif_rx_front_next(&rxf, &rsp), 1);
	ck_assert_uint_eq(rsp.id, 1);
	ck_assert_int_eq(rsp.status, 100);
	ck_assert_uint_eq(rsp.offset, 0);
	ck_assert_mem_eq(page(12), f1, 100);
	/* No buffer for the second: it waits and the TAP is left alone. */
	ck_assert_uint_eq(b->frame_len, 1514);
	ck_assert(!nb_rx_wants_tap(b));
	table[21].flags |= GTF_readonly; /* a buffer we cannot write */
	rx_post(2, 21);
	rx_post(3, 22);
	ck_assert(nb_rx_work(b));
	ck_assert_int_eq(netif_rx_front_next(&rxf, &rsp), 1);
	ck_assert_int_eq(rsp.status, NETIF_RSP_ERROR);
	ck_assert_int_eq(netif_rx_front_next(&rxf, &rsp), 1);
	ck_assert_uint_eq(rsp.id, 3);
	ck_assert_int_eq(rsp.status, 50);
	ck_assert_mem_eq(page(14), f1, 50);
	ck_assert_uint_eq(b->c.rx_bad_grant, 1);
	ck_assert_uint_eq(b->c.rx_packets, 2);
	ck_assert_uint_eq(b->c.rx_bytes, 150);
	ck_assert(nb_rx_wants_tap(b));
}
END_TEST

START_TEST(rx_impossible_index_reported)
{
	uint8_t f1[60] = { 0 };

	ck_assert_int_eq(write(peer, f1, sizeof(f1)), sizeof(f1));
	rxf.sring->req_prod = 5000;
	ck_assert(!nb_rx_work(b));
	ck_assert_uint_eq(b->c.ring_errors, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pv_netback_data");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tx_frames_reach_the_tap);
	tcase_add_test(tc, tx_bad_packets_refused_and_the_vif_goes_on);
	tcase_add_test(tc, tx_impossible_index_reported);
	tcase_add_test(tc, tx_work_is_bounded);
	tcase_add_test(tc, tx_blank_checksum_finished);
	tcase_add_test(tc, tx_rate_limit_holds_packets);
	tcase_add_test(tc, rx_frames_into_posted_buffers);
	tcase_add_test(tc, rx_impossible_index_reported);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
