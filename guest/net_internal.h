/*
 * net_internal.h - what the stack's files (net.c, net_arp.c, net_ip.c,
 * net_udp.c, net_tcp*.c) share: wire helpers and the paths between layers.
 */
#ifndef KETCH_GUEST_NET_INTERNAL_H
#define KETCH_GUEST_NET_INTERNAL_H

#include <stdbool.h>

#include <ketch-guest/kit.h>
#include <ketch-guest/net.h>

#define ETH_HLEN 14u
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define IP_HLEN 20u
#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* net.c: fill s->out's Ethernet header and send ETH_HLEN + len bytes. */
int net_eth_send(struct net_stack *s, const uint8_t *dst, uint16_t type, unsigned int len);

/* net_arp.c */
void net_arp_input(struct net_stack *s, const uint8_t *frame, unsigned int len);
/* The MAC of ip, or NULL (then a request for it was sent). */
const uint8_t *net_arp_resolve(struct net_stack *s, uint32_t ip);

/* net_ip.c: the Internet checksum, continued from sum. */
uint32_t net_csum_add(uint32_t sum, const uint8_t *p, unsigned int n);
uint16_t net_csum_fold(uint32_t sum);
void net_ip_input(struct net_stack *s, const uint8_t *frame, unsigned int len);
/* Send s->out's payload (len bytes after the IP header) to dst; mac, if
 * not NULL, is the next hop's (a reply to a frame just received). */
int net_ip_send(struct net_stack *s, uint32_t dst, uint8_t proto, unsigned int len,
		const uint8_t *mac);

/* net_tcp_in.c: a segment for one of our addresses (s->tcp may be NULL). */
void net_tcp_input(struct net_stack *s, uint32_t src, uint32_t dst, const uint8_t *seg,
		   unsigned int len);

/* net_udp.c */
void net_udp_input(struct net_stack *s, uint32_t src, uint32_t dst, const uint8_t *seg,
		   unsigned int len);

#endif
