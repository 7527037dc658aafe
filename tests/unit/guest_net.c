/*
 * Unit tests: the guest kit's IPv4 stack (guest/net*.c built for the host)
 * on a fake link that keeps the last frame sent: ARP answers and the
 * cache, ICMP echo, UDP in and out with their checksums, what is dropped
 * (other hosts' frames, bad checksums, fragments, short packets), and the
 * ip=/gw= configuration.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ketch-guest/net.h>
#include "net_bytes.h"
#include <xen/errno.h>

/* What guest/net.c references from the rest of the kit. */
static const char *cmdline = "";
const char *start_info_cmdline(void);
const char *start_info_cmdline(void) { return cmdline; }
uint64_t now_ns(void); /* TCP's clock (tests/unit/guest_net_tcp.c tests it) */
uint64_t now_ns(void) { return 0; }

static const uint8_t our_mac[6] = { 0x00, 0x16, 0x3e, 0, 0, 0x2a };
static const uint8_t host_mac[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };
#define OUR_IP 0x0a000002u  /* 10.0.0.2 */
#define HOST_IP 0x0a000001u /* 10.0.0.1 */

static struct net_stack s;
static uint8_t sent[2048];
static unsigned int sent_len, nsent;
static uint8_t f[2048]; /* the frame being built for input */
static uint8_t got[64];
static unsigned int got_len, got_port;

static int fake_xmit(void *dev, const void *frame, unsigned int len)
{
	(void)dev;
	memcpy(sent, frame, len);
	sent_len = len;
	nsent++;
	return 0;
}

static void on_udp(void *arg, uint32_t src, uint16_t sport, const uint8_t *data,
		   unsigned int len)
{
	(void)arg;
	ck_assert_uint_eq(src, HOST_IP);
	got_port = sport;
	got_len = len < sizeof(got) ? len : sizeof(got);
	memcpy(got, data, got_len);
}

static uint16_t csum(uint32_t sum, const uint8_t *p, unsigned int n)
{
	return fold_sum(sum_be16(sum, p, n));
}

static void setup(void)
{
	net_init(&s, our_mac, fake_xmit, NULL);
	cmdline = "console=ring ip=10.0.0.2/24 gw=10.0.0.1";
	ck_assert_int_eq(net_config_cmdline(&s), 0);
	nsent = sent_len = got_len = 0;
	memset(f, 0, sizeof(f));
}

static void eth(const uint8_t *dst, unsigned int type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, host_mac, 6);
	p16(f + 12, type);
}

static void arp(unsigned int op, uint32_t sip, uint32_t tip)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *a = f + 14;

	eth(bcast, 0x0806);
	p16(a, 1);
	p16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	p16(a + 6, op);
	memcpy(a + 8, host_mac, 6);
	p32(a + 14, sip);
	p32(a + 24, tip);
	net_input(&s, f, 14 + 28);
}

/* An IPv4 packet from the host to dst of len payload bytes (already in
 * f + 34), with a good header checksum; returns the frame's length. */
static unsigned int ip(uint32_t dst, uint8_t proto, unsigned int len, unsigned int frag)
{
	uint8_t *h = f + 14;

	eth(our_mac, 0x0800);
	h[0] = 0x45;
	p16(h + 2, 20 + len);
	p16(h + 6, frag);
	h[8] = 64;
	h[9] = proto;
	p16(h + 10, 0);
	p32(h + 12, HOST_IP);
	p32(h + 16, dst);
	p16(h + 10, csum(0, h, 20));
	return 14 + 20 + len;
}

static unsigned int udp(uint16_t dport, const char *text, bool good_csum)
{
	uint8_t *u = f + 34, ph[12];
	unsigned int n = (unsigned int)strlen(text);

	p16(u, 5555);
	p16(u + 2, dport);
	p16(u + 4, 8 + n);
	p16(u + 6, 0);
	memcpy(u + 8, text, n);
	p32(ph, HOST_IP);
	p32(ph + 4, OUR_IP);
	ph[8] = 0;
	ph[9] = 17;
	p16(ph + 10, 8 + n);
	p16(u + 6, csum(0xffff - csum(0, ph, 12), u, 8 + n) ^ (good_csum ? 0 : 1));
	return ip(OUR_IP, 17, 8 + n, 0);
}

START_TEST(arp_answers_requests_for_us_only)
{
	setup();
	arp(1, HOST_IP, 0x0a000003u);
	ck_assert_uint_eq(nsent, 0);
	ck_assert_uint_eq(s.st.arp_learned, 0); /* not about us, not known */
	arp(1, HOST_IP, OUR_IP);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_len, 14 + 28);
	ck_assert_mem_eq(sent, host_mac, 6);
	ck_assert_uint_eq(g16(sent + 12), 0x0806);
	ck_assert_uint_eq(g16(sent + 14 + 6), 2); /* reply */
	ck_assert_mem_eq(sent + 14 + 8, our_mac, 6);
	ck_assert_mem_eq(sent + 14 + 18, host_mac, 6);
	ck_assert_uint_eq(s.st.arp_learned, 1);
	ck_assert_uint_eq(s.st.arp_answered, 1);
	/* Short or non-Ethernet ARP is dropped. */
	net_input(&s, f, 14 + 20);
	ck_assert_uint_eq(s.st.rx_bad, 1);
}
END_TEST

START_TEST(echo_request_answered)
{
	uint8_t *m = f + 34;
	unsigned int len;

	setup();
	arp(1, HOST_IP, OUR_IP);
	m[0] = 8;
	p16(m + 4, 0x1234);
	p16(m + 6, 7);
	memcpy(m + 8, "ping data", 9);
	p16(m + 2, csum(0, m, 17));
	len = ip(OUR_IP, 1, 17, 0x4000);
	net_input(&s, f, len);
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(sent_len, len);
	ck_assert_mem_eq(sent, host_mac, 6);
	ck_assert_uint_eq(csum(0, sent + 14, 20), 0);
	ck_assert_uint_eq(g16(sent + 14 + 12), OUR_IP >> 16);
	ck_assert_uint_eq(g16(sent + 14 + 16 + 2), HOST_IP & 0xffff);
	ck_assert_uint_eq(sent[34], 0); /* echo reply */
	ck_assert_uint_eq(g16(sent + 34 + 4), 0x1234);
	ck_assert_mem_eq(sent + 34 + 8, "ping data", 9);
	ck_assert_uint_eq(csum(0, sent + 34, 17), 0);
	ck_assert_uint_eq(s.st.icmp_echo, 1);
	/* A bad ICMP checksum, a bad IP checksum, a fragment: no answer. */
	m[2] ^= 1;
	net_input(&s, f, ip(OUR_IP, 1, 17, 0));
	f[14 + 10] ^= 1;
	net_input(&s, f, len);
	m[2] ^= 1;
	net_input(&s, f, ip(OUR_IP, 1, 17, 0x2000));
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(s.st.ip_bad_csum, 1);
	ck_assert_uint_eq(s.st.ip_fragments, 1);
}
END_TEST

START_TEST(udp_in_and_out)
{
	uint8_t ph[12];

	setup();
	ck_assert_int_eq(net_udp_bind(&s, 7, on_udp, NULL), 0);
	net_input(&s, f, udp(7, "hello", true));
	ck_assert_uint_eq(got_len, 5);
	ck_assert_mem_eq(got, "hello", 5);
	ck_assert_uint_eq(got_port, 5555);
	got_len = 0;
	net_input(&s, f, udp(7, "hellp", false));
	ck_assert_uint_eq(got_len, 0);
	net_input(&s, f, udp(9, "hello", true));
	ck_assert_uint_eq(s.st.udp_no_port, 1);
	/* Out: the host is not known yet, so ARP first. */
	ck_assert_int_eq(net_udp_send(&s, HOST_IP, 7, 5555, "abc", 3), -XEN_EAGAIN);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(g16(sent + 12), 0x0806);
	ck_assert_uint_eq(g16(sent + 14 + 6), 1); /* request */
	arp(2, HOST_IP, OUR_IP);                  /* the reply */
	ck_assert_int_eq(net_udp_send(&s, HOST_IP, 7, 5555, "abc", 3), 0);
	ck_assert_uint_eq(sent_len, 14 + 20 + 8 + 3);
	ck_assert_mem_eq(sent, host_mac, 6);
	ck_assert_uint_eq(g16(sent + 34 + 2), 5555);
	p32(ph, OUR_IP);
	p32(ph + 4, HOST_IP);
	ph[8] = 0;
	ph[9] = 17;
	p16(ph + 10, 11);
	ck_assert_uint_eq(csum(0xffff - csum(0, ph, 12), sent + 34, 11), 0);
	/* Elsewhere: through the gateway (the host); without one, no route. */
	ck_assert_int_eq(net_udp_send(&s, 0x08080808u, 7, 53, "x", 1), 0);
	ck_assert_mem_eq(sent, host_mac, 6);
	s.gw = 0;
	ck_assert_int_eq(net_udp_send(&s, 0x08080808u, 7, 53, "x", 1), -XEN_EADDRNOTAVAIL);
}
END_TEST

START_TEST(frames_for_others_ignored)
{
	uint8_t other[6] = { 2, 0, 0, 0, 0, 1 };
	unsigned int len;

	setup();
	arp(1, HOST_IP, OUR_IP);
	len = udp(7, "x", true);
	memcpy(f, other, 6); /* another host's frame */
	net_input(&s, f, len);
	ck_assert_uint_eq(s.st.rx_not_ours, 1);
	net_input(&s, f, udp(7, "x", true)); /* ours, but no port bound */
	ck_assert_uint_eq(s.st.udp_no_port, 1);
	net_input(&s, f, ip(0x0a000063u, 1, 8, 0)); /* another address */
	ck_assert_uint_eq(s.st.rx_not_ours, 2);
	p16(f + 12, 0x86dd); /* IPv6 */
	net_input(&s, f, len);
	ck_assert_uint_eq(s.st.rx_not_ours, 3);
	net_input(&s, f, 10);
	ck_assert_uint_eq(s.st.rx_bad, 1);
	ck_assert_uint_eq(nsent, 1); /* only the ARP reply */
}
END_TEST

START_TEST(addresses_parsed_strictly)
{
	uint32_t a;
	unsigned int prefix = 0;

	ck_assert_int_eq(net_parse_ipv4("192.168.1.254/16", &a, &prefix), 0);
	ck_assert_uint_eq(a, 0xc0a801feu);
	ck_assert_uint_eq(prefix, 16);
	ck_assert_int_eq(net_parse_ipv4("1.2.3.256", &a, NULL), -XEN_EINVAL);
	ck_assert_int_eq(net_parse_ipv4("1.2.3", &a, NULL), -XEN_EINVAL);
	ck_assert_int_eq(net_parse_ipv4("1.2.3.4/33", &a, &prefix), -XEN_EINVAL);
	ck_assert_int_eq(net_parse_ipv4("1.2.3.4x", &a, NULL), -XEN_EINVAL);
	ck_assert_int_eq(net_parse_ipv4("1.2.3.4/8", &a, NULL), -XEN_EINVAL);
	net_init(&s, our_mac, fake_xmit, NULL);
	cmdline = "gw=10.0.0.1";
	ck_assert_int_eq(net_config_cmdline(&s), -XEN_EINVAL); /* ip= is required */
	cmdline = "ip=10.1.2.3";
	ck_assert_int_eq(net_config_cmdline(&s), 0);
	ck_assert_uint_eq(s.netmask, 0xffffff00u);
	ck_assert_uint_eq(s.gw, 0);
	cmdline = "xip=1.1.1.1 ip=10.1.2.3/0";
	ck_assert_int_eq(net_config_cmdline(&s), -XEN_EINVAL);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("guest_net");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, arp_answers_requests_for_us_only);
	tcase_add_test(tc, echo_request_answered);
	tcase_add_test(tc, udp_in_and_out);
	tcase_add_test(tc, frames_for_others_ignored);
	tcase_add_test(tc, addresses_parsed_strictly);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
