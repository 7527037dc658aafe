/*
 * net_udp.c - UDP: datagrams checked (length, and the checksum when the
 * sender set one) and handed to the function bound to their port;
 * datagrams sent with their checksum always computed.
 */
#include "net_internal.h"

#define UDP_HLEN 8u

/* The checksum over the pseudo-header and the segment. */
static uint16_t udp_csum(uint32_t src, uint32_t dst, const uint8_t *seg, unsigned int len)
{
	uint8_t ph[12];

	put32(ph, src);
	put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = IP_PROTO_UDP;
	put16(ph + 10, (uint16_t)len);
	return net_csum_fold(net_csum_add(net_csum_add(0, ph, 12), seg, len));
}

int net_udp_bind(struct net_stack *s, uint16_t port, net_udp_fn fn, void *arg)
{
	for (unsigned int i = 0; i < NET_UDP_BINDS; i++) {
		if (!s->udp[i].fn) {
			s->udp[i] = (struct net_udp_bind){ .port = port, .fn = fn, .arg = arg };
			return 0;
		}
	}
	return -XEN_ENOSPC;
}

void net_udp_input(struct net_stack *s, uint32_t src, uint32_t dst, const uint8_t *seg,
		   unsigned int len)
{
	unsigned int ulen;

	if (len < UDP_HLEN || (ulen = get16(seg + 4)) < UDP_HLEN || ulen > len) {
		s->st.rx_bad++;
		return;
	}
	if (get16(seg + 6) && udp_csum(src, dst, seg, ulen) != 0) {
		s->st.rx_bad++;
		return;
	}
	for (unsigned int i = 0; i < NET_UDP_BINDS; i++) {
		if (s->udp[i].fn && s->udp[i].port == get16(seg + 2)) {
			s->st.udp_rx++;
			s->udp[i].fn(s->udp[i].arg, src, get16(seg), seg + UDP_HLEN, ulen - UDP_HLEN);
			return;
		}
	}
	s->st.udp_no_port++; /* no ICMP port-unreachable is sent */
}

int net_udp_send(struct net_stack *s, uint32_t dst, uint16_t sport, uint16_t dport,
		 const void *data, unsigned int len)
{
	uint8_t *u = s->out + ETH_HLEN + IP_HLEN;
	uint16_t c;
	int r;

	if (len > NET_MTU - IP_HLEN - UDP_HLEN)
		return -XEN_EMSGSIZE;
	memmove(u + UDP_HLEN, data, len); /* data may be in s->out already */
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(UDP_HLEN + len));
	put16(u + 6, 0);
	c = udp_csum(s->ip, dst, u, UDP_HLEN + len);
	put16(u + 6, c ? c : 0xffff);
	r = net_ip_send(s, dst, IP_PROTO_UDP, UDP_HLEN + len, NULL);
	if (r == 0)
		s->st.udp_tx++;
	return r;
}
