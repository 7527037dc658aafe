/*
 * ks_write.c - the save stream's writer: the header, each record built in
 * memory and written with its padding, and the running CRC-32 that the
 * END record carries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ks_private.h"

static int emit(struct ks_writer *w, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	w->crc = (uint32_t)crc32(w->crc, p, (uInt)len);
	w->bytes += len;
	if (w->sink)
		return w->sink(w->sink_opaque, buf, len);
	while (len > 0) {
		ssize_t n = write(w->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ks_write_header(struct ks_writer *w)
{
	uint8_t h[KS_HEADER_LEN] = { 0 };

	w->crc = (uint32_t)crc32(0L, Z_NULL, 0);
	w->bytes = 0;
	memcpy(h, KS_MAGIC, 8);
	ks_put32(h + 8, KS_VERSION);
	return emit(w, h, sizeof(h));
}

int ks_write_record(struct ks_writer *w, uint32_t type, const void *body, uint32_t len)
{
	static const uint8_t zero[8];
	uint8_t h[8];
	int r;

	ks_put32(h, type);
	ks_put32(h + 4, len);
	r = emit(w, h, sizeof(h));
	if (!r && len)
		r = emit(w, body, len);
	if (!r && len % 8)
		r = emit(w, zero, 8 - len % 8);
	return r;
}

int ks_write_domain(struct ks_writer *w, const struct ks_domain *d)
{
	size_t clen = d->config ? strlen(d->config) : 0;
	uint8_t *b;
	int r;

	if (clen > KS_MAX_CONFIG || !(b = calloc(1, KS_DOMAIN_FIXED + clen)))
		return clen > KS_MAX_CONFIG ? -EFBIG : -ENOMEM;
	ks_put64(b, d->mem_bytes);
	ks_put32(b + 8, d->vcpus);
	ks_put32(b + 12, (uint32_t)clen);
	memcpy(b + 16, d->uuid, 16);
	ks_put64(b + 32, d->start_info_pfn);
	ks_put64(b + 40, d->shared_info_gpa);
	ks_put64(b + 48, d->hypercall_page_gpa);
	ks_put64(b + 56, d->hypercall_page_va);
	memcpy(b + KS_DOMAIN_FIXED, d->config, clen);
	r = ks_write_record(w, KS_REC_DOMAIN, b, (uint32_t)(KS_DOMAIN_FIXED + clen));
	free(b);
	return r;
}

int ks_write_pages(struct ks_writer *w, uint32_t count, const uint64_t *pfn,
		   const uint8_t *data)
{
	uint8_t h[8] = { 0 }, p[8];
	int r;

	if (count == 0 || count > KS_PAGES_MAX)
		return -EINVAL;
	/* Header, frame numbers and data go out as one record, unbuffered. */
	ks_put32(h, KS_REC_PAGES);
	ks_put32(h + 4, 8 + count * (8 + KS_PAGE));
	r = emit(w, h, sizeof(h));
	ks_put32(h, count);
	ks_put32(h + 4, 0);
	if (!r)
		r = emit(w, h, sizeof(h));
	for (uint32_t i = 0; !r && i < count; i++) {
		ks_put64(p, pfn[i]);
		r = emit(w, p, sizeof(p));
	}
	return r ? r : emit(w, data, (size_t)count * KS_PAGE);
}

int ks_write_vcpu(struct ks_writer *w, const struct ks_vcpu *v)
{
	const uint64_t regs[24] = { v->rip, v->rsp, v->rflags, v->cr3, v->rax, v->rbx,
		v->rcx, v->rdx, v->rsi, v->rdi, v->rbp, v->r8, v->r9, v->r10, v->r11,
		v->r12, v->r13, v->r14, v->r15, v->fs_base, v->gs_base,
		v->event_callback, v->failsafe_callback, 0 };
	uint8_t b[KS_VCPU_BODY];

	ks_put32(b, v->id);
	ks_put32(b + 4, v->online);
	for (int i = 0; i < 24; i++)
		ks_put64(b + 8 + 8 * i, regs[i]);
	return ks_write_record(w, KS_REC_VCPU, b, sizeof(b));
}

int ks_write_evtchn(struct ks_writer *w, const struct ks_evtchn *e)
{
	size_t len = 8 + (size_t)e->count * 16;
	uint8_t *b = e->count > KS_MAX_PORTS ? NULL : calloc(1, len);
	int r;

	if (!b)
		return e->count > KS_MAX_PORTS ? -EINVAL : -ENOMEM;
	ks_put32(b, e->count);
	for (uint32_t i = 0; i < e->count; i++) {
		uint8_t *p = b + 8 + 16 * i;

		ks_put32(p, e->ports[i].port);
		p[4] = e->ports[i].state;
		p[6] = (uint8_t)e->ports[i].vcpu;
		p[7] = (uint8_t)(e->ports[i].vcpu >> 8);
		ks_put32(p + 8, e->ports[i].remote_dom);
		ks_put32(p + 12, e->ports[i].remote_port);
	}
	r = ks_write_record(w, KS_REC_EVTCHN, b, (uint32_t)len);
	free(b);
	return r;
}

int ks_write_gnttab(struct ks_writer *w, const struct ks_gnttab *g)
{
	uint8_t b[8 + 8 * KS_MAX_GNT_FRAMES] = { 0 };

	if (g->nr_frames > KS_MAX_GNT_FRAMES)
		return -EINVAL;
	ks_put32(b, g->nr_frames);
	for (uint32_t i = 0; i < g->nr_frames; i++)
		ks_put64(b + 8 + 8 * i, g->gpfn[i]);
	return ks_write_record(w, KS_REC_GNTTAB, b, 8 + 8 * g->nr_frames);
}

int ks_write_xenstore(struct ks_writer *w, const struct ks_xenstore *x)
{
	size_t len = 8;
	uint8_t *b, *p;
	int r;

	for (uint32_t i = 0; i < x->count; i++)
		len += 4 + strlen(x->nodes[i].path) + strlen(x->nodes[i].value);
	if (len > KS_MAX_RECORD || !(b = calloc(1, len)))
		return len > KS_MAX_RECORD ? -EFBIG : -ENOMEM;
	ks_put32(b, x->count);
	p = b + 8;
	for (uint32_t i = 0; i < x->count; i++) {
		size_t pl = strlen(x->nodes[i].path), vl = strlen(x->nodes[i].value);

		p[0] = (uint8_t)pl;
		p[1] = (uint8_t)(pl >> 8);
		p[2] = (uint8_t)vl;
		p[3] = (uint8_t)(vl >> 8);
		memcpy(p + 4, x->nodes[i].path, pl);
		memcpy(p + 4 + pl, x->nodes[i].value, vl);
		p += 4 + pl + vl;
	}
	r = ks_write_record(w, KS_REC_XENSTORE, b, (uint32_t)len);
	free(b);
	return r;
}

int ks_write_end(struct ks_writer *w)
{
	uint8_t b[8] = { 0 };

	ks_put32(b, w->crc); /* of everything before this record */
	return ks_write_record(w, KS_REC_END, b, sizeof(b));
}
