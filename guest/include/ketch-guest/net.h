/*
 * A small IPv4 stack for guests: Ethernet, ARP (a cache, answers to
 * requests for our address), IPv4 (no fragments, no options honoured),
 * ICMP echo replies, UDP and a server's TCP (<ketch-guest/net_tcp.h>,
 * when attached).  It sits on any link that can send a frame
 * (the xmit callback: netfront_send, or a test's fake) and is fed every
 * frame received with net_input.  Static configuration only (command
 * line ip=A.B.C.D/N gw=A.B.C.D).  Addresses are held in host byte order.
 * Single-threaded like the rest of the kit; no allocation.
 */
#ifndef KETCH_GUEST_NET_H
#define KETCH_GUEST_NET_H

#include <stdint.h>

#define NET_ARP_ENTRIES 16
#define NET_UDP_BINDS 8
#define NET_MTU 1500u
#define NET_FRAME_MAX (NET_MTU + 14u)

/* Send one frame; 0 or a negative Xen errno. */
typedef int (*net_xmit_fn)(void *dev, const void *frame, unsigned int len);
/* A datagram for a bound port. */
typedef void (*net_udp_fn)(void *arg, uint32_t src_ip, uint16_t src_port, const uint8_t *data,
			   unsigned int len);

struct net_stats {
	uint64_t rx_frames, rx_not_ours, rx_bad;  /* taken; other MAC/protocol; malformed */
	uint64_t arp_answered, arp_learned;
	uint64_t ip_bad_csum, ip_fragments;       /* dropped */
	uint64_t icmp_echo;                       /* requests answered */
	uint64_t udp_rx, udp_no_port, udp_tx;
	uint64_t tx_errors, tx_no_route;          /* xmit failed; no ARP entry yet */
};

struct net_arp_entry {
	uint32_t ip;
	uint8_t mac[6];
	uint8_t valid;
};

struct net_udp_bind {
	uint16_t port;
	net_udp_fn fn;
	void *arg;
};

struct net_tcp; /* <ketch-guest/net_tcp.h>, attached by net_tcp_init */

struct net_stack {
	uint8_t mac[6];
	uint32_t ip, netmask, gw;
	net_xmit_fn xmit;
	void *dev;
	struct net_arp_entry arp[NET_ARP_ENTRIES];
	unsigned int arp_next;        /* the entry replaced next */
	struct net_udp_bind udp[NET_UDP_BINDS];
	uint16_t ip_id;
	struct net_tcp *tcp;          /* NULL: TCP is not spoken */
	struct net_stats st;
	uint8_t out[NET_FRAME_MAX];   /* the frame being built */
};

/* Start a stack on a link with address mac; no IP address yet. */
void net_init(struct net_stack *s, const uint8_t mac[6], net_xmit_fn xmit, void *dev);
/* "A.B.C.D" into *ip; "A.B.C.D/N" also sets *prefix (else untouched).
 * 0 or -XEN_EINVAL. */
int net_parse_ipv4(const char *text, uint32_t *ip, unsigned int *prefix);
/* ip= (required, with /N, default /24) and gw= (optional) from the
 * command line.  0 or -XEN_EINVAL. */
int net_config_cmdline(struct net_stack *s);
/* The same with the address from key= (ip1= for a second interface). */
int net_config_cmdline_key(struct net_stack *s, const char *key);
/* "A.B.C.D" into buf (16 bytes). */
void net_format_ipv4(uint32_t ip, char *buf);

/* One frame received: ARP answered, echo requests answered, datagrams
 * handed to their port's function; anything else counted and dropped. */
void net_input(struct net_stack *s, const uint8_t *frame, unsigned int len);

/* Datagrams to port go to fn.  -XEN_ENOSPC when the table is full. */
int net_udp_bind(struct net_stack *s, uint16_t port, net_udp_fn fn, void *arg);
/*
 * Send a datagram (at most NET_MTU - 28 bytes).  -XEN_EAGAIN when the next
 * hop's address is not known yet (an ARP request was sent: try again),
 * -XEN_EADDRNOTAVAIL off our network without a gateway, else xmit's result.
 */
int net_udp_send(struct net_stack *s, uint32_t dst, uint16_t sport, uint16_t dport,
		 const void *data, unsigned int len);

#endif
