/* ks_private.h - libketchsave's little-endian helpers and body layouts. */
#ifndef KS_PRIVATE_H
#define KS_PRIVATE_H

#include <stdint.h>

#include "ketch/savestream.h"

#define KS_DOMAIN_FIXED 64 /* DOMAIN's body before the config text */

static inline void ks_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void ks_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t ks_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t ks_get64(const uint8_t *p)
{
	return (uint64_t)ks_get32(p) | (uint64_t)ks_get32(p + 4) << 32;
}

/* ks_decode.c: check a record's body (r's state: what came before) and
 * decode it into rec.  0 or -EBADMSG with err set. */
int ks_decode(struct ks_reader *r, uint32_t type, const uint8_t *b, uint32_t len,
	      struct ks_record *rec, char *err);

#endif
