/*
 * save_write.c - the records of a suspended domain, written with
 * libketchsave: DOMAIN (config and where ketch-hv's pages are), PAGES
 * (every page that is not all zero: a frame never touched or given back
 * to the host is a hole of the memfd, skipped unread (mem_scan.c), and a
 * page of zeros is not written either),
 * VCPU, EVTCHN, GNTTAB, XENSTORE (the domain's home), END.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <xen/xen.h>

#include <xenstore.h>

#include "ketchd.h"
#include "ketch/savestream.h"

static bool zero_page(const uint8_t *p)
{
	const uint64_t *q = (const uint64_t *)p;

	for (size_t i = 0; i < KS_PAGE / 8; i++)
		if (q[i])
			return false;
	return true;
}

/* Every non-zero page, KS_PAGES_MAX to a record. */
static int write_pages(struct ks_writer *w, const struct kd_guest_mem *g,
		       struct kd_save_stats *st)
{
	uint64_t *pfn = malloc(KS_PAGES_MAX * sizeof(*pfn)), size = g->size, f = 0, end;
	uint8_t *buf = malloc((size_t)KS_PAGES_MAX * KS_PAGE), *mem = g->mem;
	uint32_t n = 0;
	int r = pfn && buf ? 0 : -ENOMEM;

	for (end = 0; !r && (f < end || kd_guest_mem_run(g, &f, &end)); f++) {
		if (zero_page(mem + f * KS_PAGE))
			continue;
		pfn[n] = f;
		memcpy(buf + (size_t)n * KS_PAGE, mem + f * KS_PAGE, KS_PAGE);
		st->pages++;
		if (++n == KS_PAGES_MAX) {
			r = ks_write_pages(w, n, pfn, buf);
			n = 0;
			kd_progress_update(&st->progress, f + 1, w->bytes, false);
		}
	}
	if (!r && n)
		r = ks_write_pages(w, n, pfn, buf);
	if (!r)
		kd_progress_update(&st->progress, size / KS_PAGE, w->bytes, true);
	free(pfn);
	free(buf);
	return r;
}

static int write_vcpus(struct kd *kd, struct kd_domain *d, struct ks_writer *w)
{
	for (uint32_t i = 0; i < d->cfg.vcpus; i++) {
		struct kctl_vcpu_state s;
		const struct kctl_vcpu_context *c = &s.ctx;
		int r = kctl_vcpu_get(kd->hv, d->domid, i, &s);

		if (r)
			return r;
		r = ks_write_vcpu(w, &(struct ks_vcpu){ .id = i, .online = s.online,
			.rip = c->rip, .rsp = c->rsp, .rflags = c->rflags, .cr3 = c->cr3,
			.rax = c->rax, .rbx = c->rbx, .rcx = c->rcx, .rdx = c->rdx,
			.rsi = c->rsi, .rdi = c->rdi, .rbp = c->rbp, .r8 = c->r8, .r9 = c->r9,
			.r10 = c->r10, .r11 = c->r11, .r12 = c->r12, .r13 = c->r13,
			.r14 = c->r14, .r15 = c->r15, .fs_base = c->fs_base,
			.gs_base = c->gs_base, .event_callback = s.event_callback,
			.failsafe_callback = s.failsafe_callback });
		if (r)
			return r;
	}
	return 0;
}

static int write_evtchn(struct kd *kd, struct kd_domain *d, struct ks_writer *w)
{
	struct ks_port *ports = calloc(KS_MAX_PORTS, sizeof(*ports));
	struct kctl_evtchn_list *l = malloc(sizeof(*l));
	struct ks_evtchn e = { .ports = ports };
	uint32_t first = 0;
	int r = ports && l ? 0 : -ENOMEM;

	while (!r && (r = kctl_evtchn_list(kd->hv, d->domid, first, l)) == 0) {
		for (uint32_t i = 0; i < l->count && e.count < KS_MAX_PORTS; i++)
			ports[e.count++] = (struct ks_port){ .port = l->port[i].port,
				.state = l->port[i].state, .vcpu = l->port[i].vcpu,
				.remote_dom = l->port[i].remote_dom,
				.remote_port = l->port[i].remote_port };
		if (!l->next || l->next <= first)
			break;
		first = l->next;
	}
	if (!r)
		r = ks_write_evtchn(w, &e);
	free(ports);
	free(l);
	return r;
}

static int write_gnttab(struct kd *kd, struct kd_domain *d, struct ks_writer *w)
{
	struct kctl_gnttab_info gi;
	struct ks_gnttab g = { 0 };
	int r = kctl_gnttab_info(kd->hv, d->domid, &gi);

	for (uint32_t i = 0; !r && i < gi.nr_frames && i < KS_MAX_GNT_FRAMES; i++)
		if (gi.gpfn[i] != ~0ull)
			g.gpfn[g.nr_frames++] = gi.gpfn[i];
	return r ? r : ks_write_gnttab(w, &g);
}

#define XS_RECORD_MAX (1u << 20) /* bytes of nodes in the XENSTORE record */

/* The home's nodes below rel (relative to it), depth first. */
static void xs_collect(struct kd *kd, const char *home, const char *rel,
		       struct ks_xenstore *x, size_t *bytes)
{
	char path[KS_MAX_XS_PATH + 64], **kids;
	unsigned int n, len;
	char *v;

	snprintf(path, sizeof(path), "%s%s%s", home, *rel ? "/" : "", rel);
	v = *rel ? xs_read(kd->xs, XBT_NULL, path, &len) : NULL;
	/* What the guest wrote cannot make the record too big to write. */
	if (v && x->count < KS_MAX_XS_NODES && len <= KS_MAX_XS_VALUE && strlen(v) == len &&
	    *bytes + 4 + strlen(rel) + len <= XS_RECORD_MAX) {
		x->nodes[x->count].path = strdup(rel);
		x->nodes[x->count].value = v;
		if (x->nodes[x->count].path) {
			x->count++;
			*bytes += 4 + strlen(rel) + len;
		}
		v = NULL;
	}
	free(v);
	if (!(kids = xs_directory(kd->xs, XBT_NULL, path, &n)))
		return;
	for (unsigned int i = 0; i < n && x->count < KS_MAX_XS_NODES; i++) {
		char child[KS_MAX_XS_PATH];

		if ((size_t)snprintf(child, sizeof(child), "%s%s%s", rel, *rel ? "/" : "",
				     kids[i]) < sizeof(child))
			xs_collect(kd, home, child, x, bytes);
	}
	free(kids);
}

static int write_xenstore(struct kd *kd, struct kd_domain *d, struct ks_writer *w)
{
	struct ks_xenstore x = { .nodes = calloc(KS_MAX_XS_NODES, sizeof(*x.nodes)) };
	char home[64];
	size_t bytes = 0;
	int r;

	if (!x.nodes)
		return -ENOMEM;
	snprintf(home, sizeof(home), "/local/domain/%u", d->domid);
	if (kd->xs)
		xs_collect(kd, home, "", &x, &bytes);
	r = ks_write_xenstore(w, &x);
	for (uint32_t i = 0; i < x.count; i++) {
		free((char *)x.nodes[i].path);
		free((char *)x.nodes[i].value);
	}
	free(x.nodes);
	return r;
}

static int write_domain(struct kd_domain *d, struct ks_writer *w, uint64_t size,
			uint64_t start_info_pfn)
{
	struct json_object *cfg = kd_config_to_json(&d->cfg);
	struct ks_domain dom = { .mem_bytes = size, .vcpus = d->cfg.vcpus,
		.start_info_pfn = start_info_pfn, .shared_info_gpa = d->boot.shared_info_gpa,
		.hypercall_page_gpa = d->boot.hypercall_page_gpa,
		.hypercall_page_va = d->boot.hypercall_page_va,
		.config = json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PLAIN) };
	int r;

	memcpy(dom.uuid, d->cfg.uuid, 16);
	r = ks_write_domain(w, &dom);
	json_object_put(cfg);
	return r;
}

/*
 * The start_info frame the guest named in rdx when it suspended (the x86
 * PV convention), if that page holds one (the magic the builder wrote).
 */
static int start_info_of(struct kd *kd, struct kd_domain *d, const uint8_t *mem,
			 uint64_t size, uint64_t *pfn, struct kd_error *err)
{
	struct kctl_vcpu_state s;
	int r = kctl_vcpu_get(kd->hv, d->domid, 0, &s);

	if (r)
		return kd_error_set(err, "save_failed", "", "cannot read vCPU 0: %s",
				    kctl_strerror(r));
	*pfn = s.ctx.rdx;
	if (*pfn >= size / KS_PAGE ||
	    strncmp((const char *)mem + *pfn * KS_PAGE, "xen-3.0-x86_64", 14))
		return kd_error_set(err, "save_failed", "", "domain %u did not pass its "
				    "start_info frame in rdx when it suspended (got %#llx)",
				    d->domid, (unsigned long long)*pfn);
	return 0;
}

static int write_all(struct kd *kd, struct kd_domain *d, int fd, bool pages,
		     struct kd_save_stats *st, struct kd_error *err)
{
	struct ks_writer w = { .fd = fd };
	struct kd_guest_mem g = { .fd = -1 };
	uint64_t si = ~0ull;
	/* A clone's pages are in its memfd only once shared (docs/save-migrate.md). */
	int r = kctl_mem_share(kd->hv, d->domid, 0, ~0ULL, NULL);

	if (!r)
		r = kd_guest_mem_open(kd, d->domid, &g);
	if (r)
		return kd_error_set(err, "save_failed", "", "cannot map domain %u's memory: %s",
				    d->domid, kctl_strerror(r));
	if (!d->boot.hypercall_page_va)
		r = kd_error_set(err, "save_failed", "", "domain %u was adopted from an older "
				 "ketchd, which did not record its hypercall page", d->domid);
	else if (start_info_of(kd, d, g.mem, g.size, &si, err))
		r = -EINVAL;
	else if ((r = ks_write_header(&w)) || (r = write_domain(d, &w, g.size, si)) ||
		 (pages && (r = write_pages(&w, &g, st))) || (r = write_vcpus(kd, d, &w)) ||
		 (r = write_evtchn(kd, d, &w)) || (r = write_gnttab(kd, d, &w)) ||
		 (r = write_xenstore(kd, d, &w)) || (r = ks_write_end(&w)))
		kd_error_set(err, "save_failed", "", "writing the save file: %s", strerror(-r));
	st->bytes = w.bytes;
	kd_guest_mem_close(&g);
	return r;
}

int kd_save_write(struct kd *kd, struct kd_domain *d, int fd, struct kd_save_stats *st,
		  struct kd_error *err)
{
	return write_all(kd, d, fd, true, st, err);
}

int kd_save_write_state(struct kd *kd, struct kd_domain *d, int fd, struct kd_save_stats *st,
			struct kd_error *err)
{
	return write_all(kd, d, fd, false, st, err);
}
