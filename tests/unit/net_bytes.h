/*
 * net_bytes.h - the network-order byte helpers and Internet checksum the
 * guest stack's unit tests use to build and check frames by hand
 * (independently of the stack's own code, so a shared bug cannot hide).
 */
#ifndef KETCH_TESTS_NET_BYTES_H
#define KETCH_TESTS_NET_BYTES_H

#include <stdint.h>

static inline uint16_t g16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t g32(const uint8_t *p) { return (uint32_t)g16(p) << 16 | g16(p + 2); }
static inline void p16(uint8_t *p, unsigned int v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void p32(uint8_t *p, uint32_t v) { p16(p, v >> 16); p16(p + 2, v & 0xffff); }

/* The one's-complement sum of n bytes added to acc, not yet folded. */
static inline uint32_t sum_be16(uint32_t acc, const uint8_t *p, unsigned int n)
{
	for (unsigned int i = 0; i + 1 < n; i += 2)
		acc += g16(p + i);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

/* Folded and inverted: the checksum field's value. */
static inline uint16_t fold_sum(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

#endif
