/*
 * Unit tests: the network rings' two ends against each other (a packet
 * of several slots out, a frame in, responses in their requests' slots),
 * then the backend against a hostile frontend (every malformed packet
 * dropped with one response per slot, impossible indices reported) and
 * the frontend against a hostile backend.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../pv-drivers/common/netif_ring.h"

#define MAX_FRAME 1514u

static union {
	netif_tx_sring_t s;
	char page[4096];
} txs;
static union {
	netif_rx_sring_t s;
	char page[4096];
} rxs;
static netif_tx_front_ring_t txf;
static netif_tx_back_ring_t txb;
static netif_rx_front_ring_t rxf;
static netif_rx_back_ring_t rxb;
static struct netif_tx_packet pkt;

static void setup(void)
{
	memset(&txs, 0, sizeof(txs));
	memset(&rxs, 0, sizeof(rxs));
	SHARED_RING_INIT(&txs.s);
	SHARED_RING_INIT(&rxs.s);
	FRONT_RING_INIT(&txf, &txs.s, sizeof(txs));
	BACK_RING_INIT(&txb, &txs.s, sizeof(txs));
	FRONT_RING_INIT(&rxf, &rxs.s, sizeof(rxs));
	BACK_RING_INIT(&rxb, &rxs.s, sizeof(rxs));
}

/* Queue one tx slot (not yet pushed). */
static void slot(uint16_t id, uint16_t offset, uint16_t size, uint16_t flags)
{
	netif_tx_request_t *q = RING_GET_REQUEST(&txf, txf.req_prod_pvt++);

	*q = (netif_tx_request_t){ .gref = 100u + id, .offset = offset, .flags = flags,
				   .id = id, .size = size };
}

static void extra(uint8_t type, uint8_t flags)
{
	netif_extra_info_t *x = (void *)RING_GET_REQUEST(&txf, txf.req_prod_pvt++);

	memset(x, 0, sizeof(netif_tx_request_t));
	x->type = type;
	x->flags = flags;
}

/* Take one packet; expect it taken with error err after nslots slots. */
static void expect_packet(enum netif_tx_error err, RING_IDX nslots)
{
	RING_IDX before = txb.req_cons;

	ck_assert_int_eq(netif_tx_back_next(&txb, &pkt, MAX_FRAME), 1);
	ck_assert_msg(pkt.err == err, "err %s, want %s", netif_tx_strerror(pkt.err),
		      netif_tx_strerror(err));
	ck_assert_uint_eq(txb.req_cons - before, nslots);
	netif_tx_back_respond(&txb, &pkt, err ? NETIF_RSP_ERROR : NETIF_RSP_OKAY);
	ck_assert_uint_eq(txb.rsp_prod_pvt, txb.req_cons);
}

START_TEST(tx_multi_slot_round_trip)
{
	netif_tx_response_t rsp;

	setup();
	ck_assert_uint_eq(NETIF_TX_RING_ENTRIES, 256);
	ck_assert_uint_eq(NETIF_RX_RING_ENTRIES, 256);
	slot(1, 100, 1000, NETTXF_more_data | NETTXF_csum_blank); /* 1000 in all */
	slot(2, 0, 600, NETTXF_more_data);
	slot(3, 4000, 96, 0);
	ck_assert(netif_tx_front_push(&txf));
	ck_assert_int_eq(netif_tx_back_next(&txb, &pkt, MAX_FRAME), 1);
	ck_assert_int_eq(pkt.err, NETIF_TX_OK);
	ck_assert_uint_eq(pkt.first.size, 1000);
	ck_assert_uint_eq(pkt.first_len, 1000 - 600 - 96);
	ck_assert_uint_eq(pkt.nfrag, 2);
	ck_assert_uint_eq(pkt.frag[1].gref, 103);
	ck_assert_int_eq(netif_tx_back_next(&txb, &pkt, MAX_FRAME), 0);
	ck_assert(!netif_tx_back_final_check(&txb));
	netif_tx_back_respond(&txb, &(struct netif_tx_packet){ .first.id = 1, .nfrag = 2,
			      .frag = { { .id = 2 }, { .id = 3 } } }, NETIF_RSP_OKAY);
	ck_assert(netif_tx_back_push(&txb));
	for (uint16_t id = 1; id <= 3; id++) {
		ck_assert_int_eq(netif_tx_front_next(&txf, &rsp), 1);
		ck_assert_uint_eq(rsp.id, id);
		ck_assert_int_eq(rsp.status, NETIF_RSP_OKAY);
	}
	ck_assert_int_eq(netif_tx_front_next(&txf, &rsp), 0);
	ck_assert(!netif_tx_front_final_check(&txf));
	/* The backend re-armed req_event: the next push asks for a notify. */
	slot(4, 0, 60, 0);
	ck_assert(netif_tx_front_push(&txf));
}
END_TEST

START_TEST(tx_waits_for_the_rest_of_a_packet)
{
	setup();
	slot(1, 0, 200, NETTXF_more_data);
	netif_tx_front_push(&txf);
	ck_assert_int_eq(netif_tx_back_next(&txb, &pkt, MAX_FRAME), 0);
	ck_assert_uint_eq(txb.req_cons, 0);
	ck_assert(!netif_tx_back_final_check(&txb)); /* nothing new: sleep */
	slot(2, 0, 100, 0);
	ck_assert(netif_tx_front_push(&txf)); /* the rest wakes the backend */
	expect_packet(NETIF_TX_OK, 2);
	ck_assert_uint_eq(pkt.first_len, 100);
}
END_TEST

START_TEST(tx_extras_answered_null)
{
	netif_tx_response_t rsp;

	setup();
	slot(1, 0, 60, NETTXF_extra_info);
	extra(XEN_NETIF_EXTRA_TYPE_HASH, 0);
	netif_tx_front_push(&txf);
	expect_packet(NETIF_TX_OK, 2);
	ck_assert_uint_eq(pkt.nextra, 1);
	netif_tx_back_push(&txb);
	ck_assert_int_eq(netif_tx_front_next(&txf, &rsp), 1);
	ck_assert_int_eq(rsp.status, NETIF_RSP_OKAY);
	ck_assert_int_eq(netif_tx_front_next(&txf, &rsp), 1);
	ck_assert_int_eq(rsp.status, NETIF_RSP_NULL);
	/* GSO was not offered; type 0 and a repeated type are invalid. */
	slot(2, 0, 60, NETTXF_extra_info | NETTXF_more_data);
	extra(XEN_NETIF_EXTRA_TYPE_GSO, 0);
	slot(3, 0, 0, 0);
	slot(4, 0, 60, NETTXF_extra_info);
	extra(XEN_NETIF_EXTRA_TYPE_NONE, XEN_NETIF_EXTRA_FLAG_MORE);
	slot(5, 0, 60, NETTXF_extra_info);
	extra(XEN_NETIF_EXTRA_TYPE_HASH, XEN_NETIF_EXTRA_FLAG_MORE);
	extra(XEN_NETIF_EXTRA_TYPE_HASH, 0);
	slot(6, 0, 60, 0);
	netif_tx_front_push(&txf);
	expect_packet(NETIF_TX_EXTRA_UNOFFERED, 3);
	expect_packet(NETIF_TX_BAD_EXTRA, 2); /* its MORE flag is not followed */
	expect_packet(NETIF_TX_BAD_EXTRA, 3);
	expect_packet(NETIF_TX_OK, 1); /* the next packet is intact */
	ck_assert_uint_eq(pkt.first.id, 6);
}
END_TEST

START_TEST(tx_malformed_packets_dropped_one_by_one)
{
	netif_tx_response_t rsp;
	unsigned int n = 0;

	setup();
	slot(1, 0, 10, 0);                      /* short */
	slot(2, 0, 1515, NETTXF_more_data);     /* oversize */
	slot(3, 0, 1515, 0);
	slot(4, 4000, 200, 0);                  /* first slot past its page */
	slot(5, 0, 300, NETTXF_more_data);      /* a slot bigger than the packet */
	slot(6, 0, 400, 0);
	slot(7, 0, 300, NETTXF_more_data);
	slot(8, 4090, 100, 0);                  /* second slot past its page */
	netif_tx_front_push(&txf);
	expect_packet(NETIF_TX_SHORT, 1);
	expect_packet(NETIF_TX_OVERSIZE, 2);
	expect_packet(NETIF_TX_CROSS_PAGE, 1);
	expect_packet(NETIF_TX_SLOT_BIGGER, 2);
	expect_packet(NETIF_TX_CROSS_PAGE, 2);
	/* Too many slots: 19 data slots of 60 bytes. */
	for (uint16_t i = 0; i < NETIF_TX_SLOTS_MAX + 1; i++)
		slot(10 + i, 0, i ? 60 : 60 * (NETIF_TX_SLOTS_MAX + 1),
		     i < NETIF_TX_SLOTS_MAX ? NETTXF_more_data : 0);
	slot(40, 0, 60, 0);
	netif_tx_front_push(&txf);
	expect_packet(NETIF_TX_TOO_MANY_SLOTS, NETIF_TX_SLOTS_MAX + 1);
	expect_packet(NETIF_TX_OK, 1);
	netif_tx_back_push(&txb);
	while (netif_tx_front_next(&txf, &rsp) == 1 && n < 1000)
		n++;
	ck_assert_uint_eq(n, 8 + NETIF_TX_SLOTS_MAX + 2); /* one per slot */
	ck_assert_int_eq(rsp.status, NETIF_RSP_OKAY);
}
END_TEST

START_TEST(tx_packet_filling_the_ring_is_dropped)
{
	setup();
	for (unsigned int i = 0; i < NETIF_TX_RING_ENTRIES; i++)
		slot((uint16_t)i, 0, 60, NETTXF_more_data);
	netif_tx_front_push(&txf);
	expect_packet(NETIF_TX_RING_FULL, NETIF_TX_RING_ENTRIES);
	ck_assert_int_eq(netif_tx_back_next(&txb, &pkt, MAX_FRAME), 0);
}
END_TEST

START_TEST(tx_backend_refuses_impossible_req_prod)
{
	setup();
	txs.s.req_prod = NETIF_TX_RING_ENTRIES + 1; /* more than a ring ahead */
	ck_assert_int_eq(netif_tx_back_next(&txb, &pkt, MAX_FRAME), -1);
	setup();
	slot(1, 0, 60, 0);
	netif_tx_front_push(&txf);
	expect_packet(NETIF_TX_OK, 1);
	txs.s.req_prod = 0; /* rewound behind what we took */
	ck_assert_int_eq(netif_tx_back_next(&txb, &pkt, MAX_FRAME), -1);
	ck_assert_uint_eq(txb.req_cons, 1);
}
END_TEST

START_TEST(rx_responses_land_in_their_slots)
{
	netif_rx_request_t req;
	netif_rx_response_t rsp;

	setup();
	for (uint16_t i = 0; i < 3; i++)
		*RING_GET_REQUEST(&rxf, rxf.req_prod_pvt++) =
			(netif_rx_request_t){ .id = (uint16_t)(10 + i), .gref = 50u + i };
	ck_assert(netif_rx_front_push(&rxf));
	ck_assert_int_eq(netif_rx_back_next(&rxb, &req), 1);
	ck_assert_uint_eq(req.gref, 50);
	netif_rx_back_respond(&rxb, req.id, 0, NETRXF_data_validated, 60);
	ck_assert(netif_rx_back_push(&rxb));
	ck_assert_int_eq(netif_rx_front_next(&rxf, &rsp), 1);
	ck_assert_uint_eq(rsp.id, 10);
	ck_assert_int_eq(rsp.status, 60);
	ck_assert_int_eq(netif_rx_front_next(&rxf, &rsp), 0);
	/* Two buffers left, the backend wants to hear of more. */
	ck_assert_int_eq(netif_rx_back_next(&rxb, &req), 1);
	ck_assert_int_eq(netif_rx_back_next(&rxb, &req), 1);
	ck_assert_uint_eq(req.id, 12);
	ck_assert_int_eq(netif_rx_back_next(&rxb, &req), 0);
	ck_assert(!netif_rx_back_final_check(&rxb));
	*RING_GET_REQUEST(&rxf, rxf.req_prod_pvt++) = (netif_rx_request_t){ .id = 13 };
	ck_assert(netif_rx_front_push(&rxf));
	ck_assert(netif_rx_back_final_check(&rxb));
	/* A frontend posting more than a ring beyond our responses. */
	rxs.s.req_prod += NETIF_RX_RING_ENTRIES;
	ck_assert_int_eq(netif_rx_back_next(&rxb, &req), -1);
}
END_TEST

START_TEST(frontend_refuses_impossible_rsp_prod)
{
	netif_tx_response_t t;
	netif_rx_response_t r;

	setup();
	slot(1, 0, 60, 0);
	netif_tx_front_push(&txf);
	txs.s.rsp_prod = 2; /* two responses to one request */
	ck_assert_int_eq(netif_tx_front_next(&txf, &t), -1);
	ck_assert_uint_eq(txf.rsp_cons, 0);
	rxs.s.rsp_prod = 0xffffffff; /* behind */
	ck_assert_int_eq(netif_rx_front_next(&rxf, &r), -1);
	rxs.s.rsp_prod = 1; /* a response to no buffer */
	ck_assert_int_eq(netif_rx_front_next(&rxf, &r), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pv_netif_ring");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, tx_multi_slot_round_trip);
	tcase_add_test(tc, tx_waits_for_the_rest_of_a_packet);
	tcase_add_test(tc, tx_extras_answered_null);
	tcase_add_test(tc, tx_malformed_packets_dropped_one_by_one);
	tcase_add_test(tc, tx_packet_filling_the_ring_is_dropped);
	tcase_add_test(tc, tx_backend_refuses_impossible_req_prod);
	tcase_add_test(tc, rx_responses_land_in_their_slots);
	tcase_add_test(tc, frontend_refuses_impossible_rsp_prod);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
