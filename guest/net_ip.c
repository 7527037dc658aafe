/*
 * net_ip.c - IPv4 in and out, and ICMP echo.  In: the header checked
 * (version, length, checksum), packets for our address or a broadcast
 * kept, fragments dropped (not reassembled), options skipped.  Out: one
 * header (no options, DF set, TTL 64) in front of the payload, the next
 * hop found by ARP (the gateway for other networks).  Echo requests are
 * answered with the same identifier, sequence and data.
 */
#include "net_internal.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8

uint32_t net_csum_add(uint32_t sum, const uint8_t *p, unsigned int n)
{
	for (unsigned int i = 0; i + 1 < n; i += 2)
		sum += get16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

uint16_t net_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int net_ip_send(struct net_stack *s, uint32_t dst, uint8_t proto, unsigned int len,
		const uint8_t *mac)
{
	uint8_t *h = s->out + ETH_HLEN;
	uint32_t hop = dst;

	if (len > NET_MTU - IP_HLEN)
		return -XEN_EMSGSIZE;
	if ((dst & s->netmask) != (s->ip & s->netmask) && dst != 0xffffffffu) {
		if (!s->gw)
			return -XEN_EADDRNOTAVAIL;
		hop = s->gw;
	}
	if (!mac && !(mac = net_arp_resolve(s, hop))) {
		s->st.tx_no_route++;
		return -XEN_EAGAIN;
	}
	h[0] = 0x45;
	h[1] = 0;
	put16(h + 2, (uint16_t)(IP_HLEN + len));
	put16(h + 4, s->ip_id++);
	put16(h + 6, 0x4000); /* DF */
	h[8] = 64;
	h[9] = proto;
	put16(h + 10, 0);
	put32(h + 12, s->ip);
	put32(h + 16, dst);
	put16(h + 10, net_csum_fold(net_csum_add(0, h, IP_HLEN)));
	return net_eth_send(s, mac, ETH_P_IP, IP_HLEN + len);
}

/* An echo request of len bytes at m from src; mac is the sender's. */
static void icmp_input(struct net_stack *s, uint32_t src, const uint8_t *m, unsigned int len,
		       const uint8_t *mac)
{
	uint8_t *r = s->out + ETH_HLEN + IP_HLEN;

	if (len < 8 || net_csum_fold(net_csum_add(0, m, len)) != 0) {
		s->st.rx_bad++;
		return;
	}
	if (m[0] != ICMP_ECHO_REQUEST || len > NET_MTU - IP_HLEN)
		return; /* other ICMP messages are not acted on */
	memcpy(r, m, len);
	r[0] = ICMP_ECHO_REPLY;
	r[1] = 0;
	put16(r + 2, 0);
	put16(r + 2, net_csum_fold(net_csum_add(0, r, len)));
	if (net_ip_send(s, src, IP_PROTO_ICMP, len, mac) == 0)
		s->st.icmp_echo++;
}

static bool for_us(const struct net_stack *s, uint32_t dst)
{
	return dst == s->ip || dst == 0xffffffffu ||
	       (s->netmask != ~0u && dst == (s->ip | ~s->netmask));
}

void net_ip_input(struct net_stack *s, const uint8_t *f, unsigned int len)
{
	const uint8_t *h = f + ETH_HLEN;
	unsigned int ihl, tot;
	uint32_t src, dst;

	if (len < ETH_HLEN + IP_HLEN || (h[0] >> 4) != 4) {
		s->st.rx_bad++;
		return;
	}
	ihl = (h[0] & 0xfu) * 4;
	tot = get16(h + 2);
	if (ihl < IP_HLEN || tot < ihl || ETH_HLEN + tot > len) {
		s->st.rx_bad++;
		return;
	}
	if (net_csum_fold(net_csum_add(0, h, ihl)) != 0) {
		s->st.ip_bad_csum++;
		return;
	}
	src = get32(h + 12);
	dst = get32(h + 16);
	if (!s->ip || !for_us(s, dst)) {
		s->st.rx_not_ours++;
		return;
	}
	if (get16(h + 6) & 0x3fff) { /* MF or an offset */
		s->st.ip_fragments++;
		return;
	}
	if (h[9] == IP_PROTO_ICMP)
		icmp_input(s, src, h + ihl, tot - ihl, f + 6);
	else if (h[9] == IP_PROTO_UDP)
		net_udp_input(s, src, dst, h + ihl, tot - ihl);
	else if (h[9] == IP_PROTO_TCP)
		net_tcp_input(s, src, dst, h + ihl, tot - ihl);
	else
		s->st.rx_not_ours++;
}
