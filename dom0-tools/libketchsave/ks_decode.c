/*
 * ks_decode.c - what each record's body may hold: exact lengths, ranges
 * against the DOMAIN record (frames inside RAM, vCPUs below the count),
 * each frame and vCPU at most once, xenstore paths that stay inside the
 * domain's home.  Decoded arrays live in r->decoded until the next record.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_private.h"

#define LOWER_HALF_END 0x0000800000000000ull

static int bad(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(char *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, KS_ERRLEN, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static bool page_ok(const struct ks_reader *r, uint64_t gpa)
{
	return gpa % KS_PAGE == 0 && gpa / KS_PAGE < r->nr_pages;
}

static int domain(struct ks_reader *r, const uint8_t *b, uint32_t len,
		  struct ks_domain *d, char *err)
{
	char *cfg;

	if (r->seen_domain)
		return bad(err, "a second DOMAIN record");
	if (len < KS_DOMAIN_FIXED)
		return bad(err, "DOMAIN record: length %u, at least %u", len, KS_DOMAIN_FIXED);
	d->mem_bytes = ks_get64(b);
	d->vcpus = ks_get32(b + 8);
	d->config_len = ks_get32(b + 12);
	memcpy(d->uuid, b + 16, 16);
	d->start_info_pfn = ks_get64(b + 32);
	d->shared_info_gpa = ks_get64(b + 40);
	d->hypercall_page_gpa = ks_get64(b + 48);
	d->hypercall_page_va = ks_get64(b + 56);
	if (d->mem_bytes % KS_PAGE || d->mem_bytes < KS_MIN_MEM || d->mem_bytes > KS_MAX_MEM)
		return bad(err, "DOMAIN record: memory %llu bytes is not 4 MiB..64 GiB in pages",
			   (unsigned long long)d->mem_bytes);
	if (d->vcpus < 1 || d->vcpus > KS_MAX_VCPUS)
		return bad(err, "DOMAIN record: %u vCPUs, expected 1..%u", d->vcpus, KS_MAX_VCPUS);
	if (d->config_len > KS_MAX_CONFIG || d->config_len != len - KS_DOMAIN_FIXED)
		return bad(err, "DOMAIN record: config length %u does not fit the record",
			   d->config_len);
	r->nr_pages = d->mem_bytes / KS_PAGE;
	if (d->start_info_pfn >= r->nr_pages || !page_ok(r, d->shared_info_gpa) ||
	    !page_ok(r, d->hypercall_page_gpa) || d->hypercall_page_va >= LOWER_HALF_END ||
	    d->hypercall_page_va % KS_PAGE)
		return bad(err, "DOMAIN record: start_info, shared_info or hypercall page "
			   "outside the domain's memory");
	if (memchr(b + KS_DOMAIN_FIXED, 0, d->config_len))
		return bad(err, "DOMAIN record: the config holds a NUL byte");
	r->pfn_seen = calloc(1, (size_t)(r->nr_pages + 7) / 8);
	cfg = malloc(d->config_len + 1);
	if (!r->pfn_seen || !cfg) {
		free(cfg);
		return -ENOMEM;
	}
	memcpy(cfg, b + KS_DOMAIN_FIXED, d->config_len);
	cfg[d->config_len] = '\0';
	r->decoded = cfg;
	d->config = cfg;
	r->vcpus = d->vcpus;
	r->seen_domain = true;
	return 0;
}

static int pages(struct ks_reader *r, const uint8_t *b, uint32_t len,
		 struct ks_pages *p, char *err)
{
	uint64_t *pfn;

	p->count = len >= 8 ? ks_get32(b) : 0;
	if (p->count == 0 || p->count > KS_PAGES_MAX || ks_get32(b + 4) ||
	    len != 8 + (uint64_t)p->count * (8 + KS_PAGE))
		return bad(err, "PAGES record: length %u does not hold %u pages", len, p->count);
	if (!(pfn = malloc(p->count * sizeof(*pfn))))
		return -ENOMEM;
	r->decoded = pfn;
	for (uint32_t i = 0; i < p->count; i++) {
		pfn[i] = ks_get64(b + 8 + 8 * i);
		if (pfn[i] >= r->nr_pages)
			return bad(err, "PAGES record: frame %#llx is outside the domain's "
				   "%llu pages", (unsigned long long)pfn[i],
				   (unsigned long long)r->nr_pages);
		if (r->pfn_seen[pfn[i] / 8] & (1u << (pfn[i] % 8)))
			return bad(err, "PAGES record: frame %#llx given twice",
				   (unsigned long long)pfn[i]);
		r->pfn_seen[pfn[i] / 8] |= (uint8_t)(1u << (pfn[i] % 8));
	}
	r->pages_total += p->count;
	p->pfn = pfn;
	p->data = b + 8 + 8 * (size_t)p->count;
	return 0;
}

static int vcpu(struct ks_reader *r, const uint8_t *b, uint32_t len,
		struct ks_vcpu *v, char *err)
{
	uint64_t x[24];

	if (len != KS_VCPU_BODY)
		return bad(err, "VCPU record: length %u, expected %u", len, KS_VCPU_BODY);
	v->id = ks_get32(b);
	v->online = ks_get32(b + 4);
	for (int i = 0; i < 24; i++)
		x[i] = ks_get64(b + 8 + 8 * i);
	if (v->id >= r->vcpus || (r->vcpu_seen >> v->id) & 1)
		return bad(err, "VCPU record: vCPU %u is out of range or given twice", v->id);
	if (v->online > 1 || x[23] || !page_ok(r, x[3]))
		return bad(err, "VCPU record %u: bad online flag, reserved word or cr3", v->id);
	if (x[0] >= LOWER_HALF_END || x[1] >= LOWER_HALF_END || x[19] >= LOWER_HALF_END ||
	    x[20] >= LOWER_HALF_END || x[21] >= LOWER_HALF_END || x[22] >= LOWER_HALF_END)
		return bad(err, "VCPU record %u: an address outside the guest's half", v->id);
	*v = (struct ks_vcpu){ .id = v->id, .online = v->online, .rip = x[0], .rsp = x[1],
		.rflags = x[2], .cr3 = x[3], .rax = x[4], .rbx = x[5], .rcx = x[6],
		.rdx = x[7], .rsi = x[8], .rdi = x[9], .rbp = x[10], .r8 = x[11],
		.r9 = x[12], .r10 = x[13], .r11 = x[14], .r12 = x[15], .r13 = x[16],
		.r14 = x[17], .r15 = x[18], .fs_base = x[19], .gs_base = x[20],
		.event_callback = x[21], .failsafe_callback = x[22] };
	r->vcpu_seen |= 1ull << v->id;
	return 0;
}

static int evtchn(struct ks_reader *r, const uint8_t *b, uint32_t len,
		  struct ks_evtchn *e, char *err)
{
	e->count = len >= 8 ? ks_get32(b) : 0;
	if (len < 8 || e->count > KS_MAX_PORTS || ks_get32(b + 4) ||
	    len != 8 + (uint64_t)e->count * 16)
		return bad(err, "EVTCHN record: length %u does not hold %u ports", len, e->count);
	if (r->seen_evtchn)
		return bad(err, "a second EVTCHN record");
	if (!(e->ports = calloc(e->count + 1, sizeof(*e->ports))))
		return -ENOMEM;
	r->decoded = e->ports;
	for (uint32_t i = 0; i < e->count; i++) {
		const uint8_t *p = b + 8 + 16 * i;
		struct ks_port *q = &e->ports[i];

		*q = (struct ks_port){ .port = ks_get32(p), .state = p[4],
			.vcpu = (uint16_t)(p[6] | p[7] << 8), .remote_dom = ks_get32(p + 8),
			.remote_port = ks_get32(p + 12) };
		if (q->port == 0 || q->port >= KS_MAX_PORTS || q->state < 2 || q->state > 5 ||
		    p[5] || q->vcpu >= r->vcpus || (i && q->port <= e->ports[i - 1].port))
			return bad(err, "EVTCHN record: entry %u (port %u) is not valid", i, q->port);
	}
	r->seen_evtchn = true;
	return 0;
}

static int gnttab(struct ks_reader *r, const uint8_t *b, uint32_t len,
		  struct ks_gnttab *g, char *err)
{
	g->nr_frames = len >= 8 ? ks_get32(b) : 0;
	if (len < 8 || g->nr_frames > KS_MAX_GNT_FRAMES || ks_get32(b + 4) ||
	    len != 8 + 8 * g->nr_frames)
		return bad(err, "GNTTAB record: length %u does not hold %u frames", len,
			   g->nr_frames);
	if (r->seen_gnttab)
		return bad(err, "a second GNTTAB record");
	for (uint32_t i = 0; i < g->nr_frames; i++) {
		g->gpfn[i] = ks_get64(b + 8 + 8 * i);
		if (g->gpfn[i] >= r->nr_pages)
			return bad(err, "GNTTAB record: frame %u at %#llx is outside RAM", i,
				   (unsigned long long)g->gpfn[i]);
	}
	r->seen_gnttab = true;
	return 0;
}

/* A path relative to the home: [A-Za-z0-9_@.-] components, none "." or "..". */
static bool path_ok(const char *p)
{
	const char *c = p;

	if (!*p || strlen(p) >= KS_MAX_XS_PATH)
		return false;
	for (;;) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && !strncmp(c, "..", 2)))
			return false;
		for (size_t i = 0; i < n; i++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789_@.-", c[i]) || !c[i])
				return false;
		if (!c[n])
			return true;
		c += n + 1;
	}
}

static int xenstore(struct ks_reader *r, const uint8_t *b, uint32_t len,
		    struct ks_xenstore *x, char *err)
{
	size_t off = 8, strs;
	char *s;

	x->count = len >= 8 ? ks_get32(b) : 0;
	if (len < 8 || x->count > KS_MAX_XS_NODES || ks_get32(b + 4))
		return bad(err, "XENSTORE record: bad header (%u nodes)", x->count);
	if (r->seen_xenstore)
		return bad(err, "a second XENSTORE record");
	/* Room for every string and its NUL: the body's size bounds it. */
	strs = (size_t)x->count * sizeof(*x->nodes);
	if (!(x->nodes = malloc(strs + len + 2 * (size_t)x->count + 1)))
		return -ENOMEM;
	r->decoded = x->nodes;
	s = (char *)(x->nodes + x->count);
	for (uint32_t i = 0; i < x->count; i++) {
		size_t pl, vl;

		if (len - off < 4)
			return bad(err, "XENSTORE record: node %u runs past the record", i);
		pl = b[off] | (size_t)b[off + 1] << 8;
		vl = b[off + 2] | (size_t)b[off + 3] << 8;
		off += 4;
		if (pl > len - off || vl > len - off - pl || vl > KS_MAX_XS_VALUE)
			return bad(err, "XENSTORE record: node %u runs past the record", i);
		x->nodes[i].path = memcpy(s, b + off, pl);
		s[pl] = '\0';
		x->nodes[i].value = memcpy(s + pl + 1, b + off + pl, vl);
		s[pl + 1 + vl] = '\0';
		if (strlen(s) != pl || !path_ok(s) || memchr(b + off + pl, 0, vl))
			return bad(err, "XENSTORE record: node %u has a bad path or value", i);
		s += pl + vl + 2;
		off += pl + vl;
	}
	if (off != len)
		return bad(err, "XENSTORE record: %zu bytes after the last node", len - off);
	r->seen_xenstore = true;
	return 0;
}

int ks_decode(struct ks_reader *r, uint32_t type, const uint8_t *b, uint32_t len,
	      struct ks_record *rec, char *err)
{
	if (type != KS_REC_DOMAIN && !r->seen_domain)
		return bad(err, "record type %u before the DOMAIN record", type);
	switch (type) {
	case KS_REC_DOMAIN:
		return domain(r, b, len, &rec->u.domain, err);
	case KS_REC_PAGES:
		return pages(r, b, len, &rec->u.pages, err);
	case KS_REC_VCPU:
		return vcpu(r, b, len, &rec->u.vcpu, err);
	case KS_REC_EVTCHN:
		return evtchn(r, b, len, &rec->u.evtchn, err);
	case KS_REC_GNTTAB:
		return gnttab(r, b, len, &rec->u.gnttab, err);
	case KS_REC_XENSTORE:
		return xenstore(r, b, len, &rec->u.xenstore, err);
	default:
		return bad(err, "record type %u cannot be decoded", type);
	}
}
