/*
 * restore_cow.c - a clone's memory: the first clone of a set reads the
 * file's pages into a memory image in ketch-hv, and every clone is then
 * mapped copy-on-write from it (MEM_IMAGE_USE), so the clones share every
 * page none of them writes.  The few pages ketchd itself changes in a new
 * domain (start_info, the console and xenstore rings, shared_info) are
 * shared into the domain's memfd first (MEM_SHARE); only then are they
 * what ketchd's mapping of the memfd shows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/xen.h>

#include "ketchd.h"
#include "restore.h"

static int hv_err(struct kd_error *err, const char *what, int r)
{
	return kd_error_set(err, "hv_error", "", "%s: %s", what, kctl_strerror(r));
}

/* The set's image: every page of the file, read once for all its clones. */
static int fill_image(struct kd *kd, struct kd_restore_src *src, struct kd_error *err)
{
	int fd, r;

	src->vcpus = calloc(KS_MAX_VCPUS, sizeof(*src->vcpus));
	if (!src->vcpus)
		return kd_error_set(err, "internal", "", "out of memory");
	r = kctl_mem_image_new_fd(kd->hv, src->dom.mem_bytes, &fd);
	if (r)
		return hv_err(err, "cannot make the clones' memory image", r);
	r = kd_restore_read_records(src, fd, src->vcpus, &src->have, err);
	close(fd);
	src->image_ready = r == 0;
	return r;
}

/* start_info first: it names the ring frames, which are shared next. */
static int share_fixed_pages(struct kd *kd, struct kd_restore_src *src, uint32_t domid,
			     uint8_t *mem, struct kd_error *err)
{
	uint64_t nr = src->dom.mem_bytes / KS_PAGE, pfn[2];
	const start_info_t *si = (const start_info_t *)(mem + src->dom.start_info_pfn * KS_PAGE);
	int r = kctl_mem_share(kd->hv, domid, src->dom.start_info_pfn, 1, NULL);

	if (!r)
		r = kctl_mem_share(kd->hv, domid, src->dom.shared_info_gpa / KS_PAGE, 1, NULL);
	if (r)
		return hv_err(err, "cannot share the clone's start_info", r);
	pfn[0] = si->store_mfn;
	pfn[1] = si->console.domU.mfn;
	for (int i = 0; i < 2; i++)
		if (pfn[i] < nr && (r = kctl_mem_share(kd->hv, domid, pfn[i], 1, NULL)))
			return hv_err(err, "cannot share the clone's rings", r);
	return 0; /* frames out of range: kd_restore_fix_memory refuses them */
}

int kd_restore_cow_memory(struct kd *kd, struct kd_restore_src *src, struct kd_domain *d,
			  struct ks_vcpu *v, uint64_t *have, struct kd_error *err)
{
	uint64_t size;
	void *mem;
	int r = src->image_ready ? 0 : fill_image(kd, src, err);

	if (r)
		return r;
	memcpy(v, src->vcpus, KS_MAX_VCPUS * sizeof(*v));
	*have = src->have;
	r = kctl_mem_image_use(kd->hv, d->domid);
	if (r)
		return hv_err(err, "cannot map the clone's memory from its image", r);
	r = kctl_map_memory(kd->hv, d->domid, &mem, &size);
	if (r)
		return hv_err(err, "cannot map the new domain's memory", r);
	r = share_fixed_pages(kd, src, d->domid, mem, err);
	if (!r)
		r = kd_restore_fix_memory(src, d, mem, err);
	kctl_unmap_memory(mem, size);
	return r;
}
