/*
 * net_arp.c - ARP for IPv4 over Ethernet (RFC 826): a small cache,
 * merged from every packet whose sender it knows and filled from requests
 * for our address, which are answered; requests for what we need to
 * reach.  Entries never expire; when full, the oldest is replaced.
 */
#include "net_internal.h"

#define ARP_LEN 28u
#define ARP_REQUEST 1
#define ARP_REPLY 2

static struct net_arp_entry *lookup(struct net_stack *s, uint32_t ip)
{
	for (unsigned int i = 0; i < NET_ARP_ENTRIES; i++)
		if (s->arp[i].valid && s->arp[i].ip == ip)
			return &s->arp[i];
	return NULL;
}

static void learn(struct net_stack *s, uint32_t ip, const uint8_t *mac)
{
	struct net_arp_entry *e = lookup(s, ip);

	if (!e) {
		e = &s->arp[s->arp_next];
		s->arp_next = (s->arp_next + 1) % NET_ARP_ENTRIES;
		s->st.arp_learned++;
	}
	e->ip = ip;
	memcpy(e->mac, mac, 6);
	e->valid = 1;
}

/* Build an ARP packet in s->out and send it to dst. */
static int send_arp(struct net_stack *s, const uint8_t *dst, uint16_t op, const uint8_t *tmac,
		    uint32_t tip)
{
	uint8_t *a = s->out + ETH_HLEN;

	put16(a, 1);              /* Ethernet */
	put16(a + 2, ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, s->mac, 6);
	put32(a + 14, s->ip);
	memcpy(a + 18, tmac, 6);
	put32(a + 24, tip);
	return net_eth_send(s, dst, ETH_P_ARP, ARP_LEN);
}

void net_arp_input(struct net_stack *s, const uint8_t *f, unsigned int len)
{
	const uint8_t *a = f + ETH_HLEN;
	uint32_t sip, tip;
	uint16_t op;
	bool merged;

	if (len < ETH_HLEN + ARP_LEN || get16(a) != 1 || get16(a + 2) != ETH_P_IP || a[4] != 6 ||
	    a[5] != 4) {
		s->st.rx_bad++;
		return;
	}
	op = get16(a + 6);
	sip = get32(a + 14);
	tip = get32(a + 24);
	merged = sip && lookup(s, sip);
	if (merged)
		learn(s, sip, a + 8);
	if (!s->ip || tip != s->ip)
		return; /* not about us */
	if (sip && !merged)
		learn(s, sip, a + 8);
	if (op == ARP_REQUEST && send_arp(s, a + 8, ARP_REPLY, a + 8, sip) == 0)
		s->st.arp_answered++;
}

const uint8_t *net_arp_resolve(struct net_stack *s, uint32_t ip)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	struct net_arp_entry *e = lookup(s, ip);

	if (ip == 0xffffffffu || (s->netmask != ~0u && (ip | s->netmask) == 0xffffffffu))
		return bcast;
	if (e)
		return e->mac;
	send_arp(s, bcast, ARP_REQUEST, zero, ip);
	return NULL;
}
