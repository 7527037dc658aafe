/*
 * netback_csum.c - completing the checksum of a packet the frontend sent
 * with NETTXF_csum_blank (checksum offload, which Linux's netback offers
 * for IPv4 unless the frontend writes feature-no-csum-offload).  The TAP
 * takes only finished frames, so the backend finishes TCP and UDP over
 * IPv4 itself: the field is computed afresh over the pseudo-header and
 * the segment, whatever the frontend left in it.
 */
#include <stddef.h>

#include "netback.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_VLAN 0x8100

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

bool nb_csum_complete(uint8_t *f, uint32_t len)
{
	uint32_t l3 = NETIF_ETH_HLEN, ihl, tot, l4len, field, sum;
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]), c;
	uint8_t proto;

	if (type == ETH_P_VLAN && len >= l3 + 4) {
		type = (uint16_t)(f[16] << 8 | f[17]);
		l3 += 4;
	}
	if (type != ETH_P_IPV4 || len < l3 + 20 || (f[l3] >> 4) != 4)
		return false;
	ihl = (f[l3] & 0xfu) * 4;
	tot = (uint32_t)f[l3 + 2] << 8 | f[l3 + 3];
	proto = f[l3 + 9];
	if (ihl < 20 || tot < ihl || l3 + tot > len)
		return false;
	l4len = tot - ihl;
	field = proto == 6 ? 16 : proto == 17 ? 6 : 0;
	if (!field || l4len < field + 2)
		return false;
	f[l3 + ihl + field] = f[l3 + ihl + field + 1] = 0;
	sum = sum16(0, f + l3 + 12, 8) + proto + l4len; /* pseudo-header */
	c = fold(sum16(sum, f + l3 + ihl, l4len));
	if (proto == 17 && c == 0)
		c = 0xffff; /* UDP's "no checksum" is 0 */
	f[l3 + ihl + field] = (uint8_t)(c >> 8);
	f[l3 + ihl + field + 1] = (uint8_t)c;
	return true;
}
