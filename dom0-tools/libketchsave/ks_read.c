/*
 * ks_read.c - the save stream's reader: the header, each record's framing
 * (length bounds, zero padding), the order of records and the END
 * checksum.  What a record's body may hold is ks_decode.c's job.  Nothing
 * is trusted: every length is bounded before anything is allocated.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ks_private.h"

static int fail(char *err, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, int r, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, KS_ERRLEN, fmt, ap);
		va_end(ap);
	}
	return r;
}

ssize_t ks_read_fd(void *opaque, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(*(int *)opaque, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

ssize_t ks_read_mem(void *opaque, void *buf, size_t len)
{
	struct ks_membuf *m = opaque;
	size_t n = m->len - m->pos < len ? m->len - m->pos : len;

	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

/* Exactly len bytes into buf, counted in the checksum. */
static int take(struct ks_reader *r, void *buf, size_t len, const char *what, char *err)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = r->read(r->opaque, (uint8_t *)buf + got, len - got);

		if (n < 0)
			return fail(err, (int)n, "reading %s at byte %llu: %s", what,
				    (unsigned long long)(r->offset + got), strerror((int)-n));
		if (n == 0)
			return fail(err, -ENODATA, "the stream ends inside %s at byte %llu "
				    "(truncated)", what, (unsigned long long)(r->offset + got));
		got += (size_t)n;
	}
	r->crc = (uint32_t)crc32(r->crc, buf, (uInt)len);
	r->offset += len;
	return 0;
}

int ks_reader_init(struct ks_reader *r, ks_read_fn fn, void *opaque, char *err)
{
	uint8_t h[KS_HEADER_LEN];
	uint32_t version;
	int rc;

	memset(r, 0, sizeof(*r));
	r->read = fn;
	r->opaque = opaque;
	r->crc = (uint32_t)crc32(0L, Z_NULL, 0);
	rc = take(r, h, sizeof(h), "the header", err);
	if (rc)
		return rc == -ENODATA ? fail(err, -EPROTO, "not a Ketch save file "
					     "(shorter than its header)") : rc;
	if (memcmp(h, KS_MAGIC, 8))
		return fail(err, -EPROTO, "not a Ketch save file (bad magic)");
	version = ks_get32(h + 8);
	if (version > KS_VERSION)
		return fail(err, -EPROTONOSUPPORT, "save file version %u is newer than "
			    "this Ketch reads (%u)", version, KS_VERSION);
	if (version == 0)
		return fail(err, -EPROTO, "save file version 0 is not valid");
	if (ks_get32(h + 12))
		return fail(err, -EPROTO, "save file header flags %#x are unknown",
			    ks_get32(h + 12));
	return 0;
}

/* The END record: the checksum of everything before its header, then EOF. */
static int check_end(struct ks_reader *r, const uint8_t *b, uint32_t len,
		     uint32_t crc_before, char *err)
{
	uint8_t extra;
	ssize_t n;

	if (len != 8 || ks_get32(b + 4))
		return fail(err, -EBADMSG, "END record: length %u, expected 8", len);
	if (!r->seen_domain || !(r->vcpu_seen & 1))
		return fail(err, -EBADMSG, "END record before the domain and vCPU 0");
	if (ks_get32(b) != crc_before)
		return fail(err, -EBADMSG, "checksum mismatch: the file says %08x, its "
			    "contents give %08x (corrupted)", ks_get32(b), crc_before);
	n = r->read(r->opaque, &extra, 1);
	if (n != 0)
		return fail(err, n < 0 ? (int)n : -EBADMSG, "data after the END record "
			    "at byte %llu", (unsigned long long)r->offset);
	r->seen_end = true;
	return 0;
}

/* Body and padding of a record whose header said len bytes. */
static int take_body(struct ks_reader *r, uint32_t type, uint32_t len, char *err)
{
	size_t padded = ((size_t)len + 7) & ~(size_t)7;
	char what[48];
	int rc;

	if (padded > r->body_cap) {
		uint8_t *b = realloc(r->body, padded);

		if (!b)
			return fail(err, -ENOMEM, "out of memory for a %u-byte record", len);
		r->body = b;
		r->body_cap = padded;
	}
	snprintf(what, sizeof(what), "record type %#x", type);
	rc = take(r, r->body, padded, what, err);
	for (size_t i = len; !rc && i < padded; i++)
		if (r->body[i])
			return fail(err, -EBADMSG, "record type %#x: non-zero padding", type);
	return rc;
}

static bool known(uint32_t type)
{
	return type >= KS_REC_DOMAIN && type <= KS_REC_END;
}

int ks_reader_next(struct ks_reader *r, struct ks_record *rec, char *err)
{
	uint8_t h[8];
	uint32_t type, len, crc_before;
	int rc;

	for (;;) {
		if (r->seen_end)
			return 0;
		crc_before = r->crc;
		rc = take(r, h, sizeof(h), "a record header (no END record)", err);
		if (rc)
			return rc;
		type = ks_get32(h);
		len = ks_get32(h + 4);
		if (len > KS_MAX_RECORD)
			return fail(err, -EBADMSG, "record type %#x at byte %llu: length %u "
				    "exceeds %u", type, (unsigned long long)r->offset - 8, len,
				    (unsigned)KS_MAX_RECORD);
		if (!known(type) && !(type & KS_REC_OPTIONAL))
			return fail(err, -EBADMSG, "record type %#x at byte %llu is unknown "
				    "and not optional", type, (unsigned long long)r->offset - 8);
		rc = take_body(r, type, len, err);
		if (rc)
			return rc;
		if (!known(type))
			continue; /* optional and unknown: skipped */
		if (type == KS_REC_END)
			return check_end(r, r->body, len, crc_before, err);
		free(r->decoded);
		r->decoded = NULL;
		rec->type = type;
		rc = ks_decode(r, type, r->body, len, rec, err);
		return rc ? rc : 1;
	}
}

void ks_reader_free(struct ks_reader *r)
{
	free(r->body);
	free(r->decoded);
	free(r->pfn_seen);
	memset(r, 0, sizeof(*r));
}

int ks_verify(ks_read_fn fn, void *opaque, char *err)
{
	struct ks_reader r;
	struct ks_record rec;
	int rc = ks_reader_init(&r, fn, opaque, err);

	while (rc == 0 && (rc = ks_reader_next(&r, &rec, err)) == 1)
		rc = 0;
	ks_reader_free(&r);
	return rc;
}
