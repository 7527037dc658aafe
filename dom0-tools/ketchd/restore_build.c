/*
 * restore_build.c - a domain in ketch-hv from the rest of a save file:
 * created paused with the saved size and uuid, memory written page by
 * page, then what Xen's toolstack does for a resumed PV guest: start_info
 * names new console and xenstore channels, the two ring pages start
 * empty, shared_info has nothing pending and every port masked (the
 * guest's ports are not carried over: it binds again, as on Xen), and
 * each vCPU gets its saved context and callbacks.  Any failure destroys
 * the half-built domain.
 */
#include <errno.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>
#include <xen/xen.h>

#include "ketchd.h"
#include "restore.h"

#define BAD(...) kd_error_set(err, "invalid_save", "file", __VA_ARGS__)

/*
 * A PAGES record into the memfd fd, a run of consecutive frames per
 * pwrite: no page fault per page, as a copy through a mapping takes (the
 * most of a restore's time where faults are dear).
 */
static int write_pages(int fd, uint64_t nr, const struct ks_pages *p)
{
	for (uint32_t i = 0, e; i < p->count; i = e) {
		size_t len, done = 0;

		for (e = i + 1; e < p->count && p->pfn[e] == p->pfn[e - 1] + 1; e++)
			;
		if (p->pfn[e - 1] >= nr) /* the reader checked; never grow the memfd */
			return -EINVAL;
		len = (e - i) * (size_t)KS_PAGE;
		while (done < len) {
			ssize_t w = pwrite(fd, p->data + (size_t)i * KS_PAGE + done, len - done,
					   (off_t)(p->pfn[i] * KS_PAGE + done));

			if (w <= 0)
				return w < 0 ? -errno : -EIO;
			done += (size_t)w;
		}
	}
	return 0;
}

/* The records after DOMAIN: pages into the memfd fd, vCPU contexts into v. */
int kd_restore_read_records(struct kd_restore_src *src, int fd, struct ks_vcpu *v,
			    uint64_t *have, struct kd_error *err)
{
	char msg[KS_ERRLEN] = "";
	struct ks_record rec;
	int r, w;

	while ((r = ks_reader_next(&src->rd, &rec, msg)) == 1) {
		if (rec.type == KS_REC_PAGES) {
			w = write_pages(fd, src->dom.mem_bytes / KS_PAGE, &rec.u.pages);
			if (w)
				return kd_error_set(err, "internal", "", "cannot write the "
						    "domain's memory: %s", strerror(-w));
			src->st->pages += rec.u.pages.count;
			kd_progress_update(&src->st->progress, src->rd.offset, src->rd.offset, false);
		} else if (rec.type == KS_REC_VCPU) {
			v[rec.u.vcpu.id] = rec.u.vcpu;
			*have |= 1ull << rec.u.vcpu.id;
		}
	}
	if (r == 0)
		kd_progress_update(&src->st->progress, src->rd.offset, src->rd.offset, true);
	return r ? BAD("%s: %s (did it change since it was checked?)", src->path, msg) : 0;
}

/* New channels in start_info, empty rings; the ring frames go to d->boot. */
static int fix_start_info(struct kd_restore_src *src, struct kd_domain *d, uint8_t *mem,
			  struct kd_error *err)
{
	uint64_t nr = src->dom.mem_bytes / KS_PAGE;
	start_info_t *si = (start_info_t *)(mem + src->dom.start_info_pfn * KS_PAGE);

	if (strncmp(si->magic, "xen-3.0-x86_64", 14))
		return BAD("%s: frame %#llx holds no start_info", src->path,
			   (unsigned long long)src->dom.start_info_pfn);
	if (si->store_mfn == 0 || si->store_mfn >= nr || si->console.domU.mfn == 0 ||
	    si->console.domU.mfn >= nr || si->store_mfn == si->console.domU.mfn)
		return BAD("%s: start_info's xenstore or console frame is outside RAM",
			   src->path);
	si->store_evtchn = d->boot.store_port;
	si->console.domU.evtchn = d->boot.console_port;
	d->boot.store_gpfn = si->store_mfn;
	d->boot.console_gpfn = si->console.domU.mfn;
	memset(mem + si->store_mfn * KS_PAGE, 0, KS_PAGE);
	memset(mem + si->console.domU.mfn * KS_PAGE, 0, KS_PAGE);
	return 0;
}

/* As Xen's restore: nothing pending, every port and every upcall masked. */
static void reset_shared_info(uint8_t *mem, uint64_t gpa)
{
	shared_info_t *s = (shared_info_t *)(mem + gpa);

	memset(s->evtchn_pending, 0, sizeof(s->evtchn_pending));
	memset(s->evtchn_mask, 0xff, sizeof(s->evtchn_mask));
	for (int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++) {
		s->vcpu_info[i].evtchn_upcall_pending = 0;
		s->vcpu_info[i].evtchn_pending_sel = 0;
		s->vcpu_info[i].evtchn_upcall_mask = 1;
	}
}

static int fill_memory(struct kd *kd, struct kd_restore_src *src, struct kd_domain *d,
		       struct ks_vcpu *v, uint64_t *have, struct kd_error *err)
{
	struct kd_guest_mem g = { .fd = -1 };
	/* A migration's image becomes its memory first: mapped after, not before. */
	int r = src->image ? kctl_mem_image_adopt(src->image, d->domid) : 0;

	if (r)
		return kd_error_set(err, "hv_error", "", "cannot give the domain the memory "
				    "received: %s", kctl_strerror(r));
	r = kd_guest_mem_open(kd, d->domid, &g);
	if (r)
		return kd_error_set(err, "hv_error", "", "cannot map the new domain's memory: %s",
				    kctl_strerror(r));
	if (g.size != src->dom.mem_bytes)
		r = kd_error_set(err, "hv_error", "", "ketch-hv made %llu bytes, not %llu",
				 (unsigned long long)g.size,
				 (unsigned long long)src->dom.mem_bytes);
	if (!r)
		r = kd_restore_read_records(src, g.fd, v, have, err);
	if (!r)
		r = kd_restore_fix_memory(src, d, g.mem, err);
	kd_guest_mem_close(&g);
	return r;
}

int kd_restore_fix_memory(struct kd_restore_src *src, struct kd_domain *d, uint8_t *mem,
			  struct kd_error *err)
{
	int r = fix_start_info(src, d, mem, err);

	if (!r)
		reset_shared_info(mem, src->dom.shared_info_gpa);
	return r;
}

static int load_vcpus(struct kd *kd, struct kd_domain *d, const struct ks_vcpu *v,
		      uint64_t have, struct kd_error *err)
{
	for (uint32_t i = 0; i < d->cfg.vcpus; i++) {
		const struct ks_vcpu *c = &v[i];
		struct kctl_vcpu_state s = { .domid = d->domid, .vcpu = i,
			.online = (have >> i & 1) && c->online,
			.ctx = { .rip = c->rip, .rsp = c->rsp, .rflags = c->rflags, .cr3 = c->cr3,
				 .rax = c->rax, .rbx = c->rbx, .rcx = c->rcx, .rdx = c->rdx,
				 .rsi = c->rsi, .rdi = c->rdi, .rbp = c->rbp, .r8 = c->r8,
				 .r9 = c->r9, .r10 = c->r10, .r11 = c->r11, .r12 = c->r12,
				 .r13 = c->r13, .r14 = c->r14, .r15 = c->r15,
				 .fs_base = c->fs_base, .gs_base = c->gs_base },
			.event_callback = c->event_callback,
			.failsafe_callback = c->failsafe_callback };
		int r;

		if (i == 0 && !s.online)
			return kd_error_set(err, "invalid_save", "file", "vCPU 0 was not online");
		r = kctl_vcpu_restore(kd->hv, &s);
		if (r)
			return kd_error_set(err, "invalid_save", "file", "ketch-hv refused vCPU "
					    "%u's context: %s", i, kctl_strerror(r));
	}
	return 0;
}

/* Channels, memory, hypercall page, shared_info, vCPUs: a paused domain. */
static int build(struct kd *kd, struct kd_restore_src *src, struct kd_domain *d,
		 struct kd_error *err)
{
	struct ks_vcpu v[KS_MAX_VCPUS] = { 0 };
	uint64_t have = 0;
	int r = kctl_evtchn_alloc_unbound(kd->hv, d->domid, 0, &d->boot.console_port);

	if (!r)
		r = kctl_evtchn_alloc_unbound(kd->hv, d->domid, 0, &d->boot.store_port);
	if (r)
		return kd_error_set(err, "hv_error", "", "cannot allocate event channels: %s",
				    kctl_strerror(r));
	r = src->cow ? kd_restore_cow_memory(kd, src, d, v, &have, err)
		     : fill_memory(kd, src, d, v, &have, err);
	if (r)
		return r;
	d->boot.shared_info_gpa = src->dom.shared_info_gpa;
	d->boot.hypercall_page_gpa = src->dom.hypercall_page_gpa;
	d->boot.hypercall_page_va = src->dom.hypercall_page_va;
	r = kctl_hypercall_init(kd->hv, d->domid, src->dom.hypercall_page_gpa,
				src->dom.hypercall_page_va);
	if (!r)
		r = kctl_set_shared_info(kd->hv, d->domid, src->dom.shared_info_gpa);
	if (r)
		return kd_error_set(err, "hv_error", "", "cannot place the hypercall page or "
				    "shared_info: %s", kctl_strerror(r));
	return load_vcpus(kd, d, v, have, err);
}

int kd_restore_build(struct kd *kd, struct kd_domain *d, void *arg, struct kd_error *err)
{
	struct kd_restore_src *src = arg;
	int r = kctl_create(kd->hv, src->dom.mem_bytes, src->dom.vcpus, d->cfg.uuid, &d->domid);

	if (r)
		return kd_error_set(err, "hv_error", "", "cannot create the domain: %s",
				    kctl_strerror(r));
	r = build(kd, src, d, err);
	if (r)
		kctl_destroy(kd->hv, d->domid);
	return r;
}
