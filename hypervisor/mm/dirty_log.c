/*
 * dirty_log.c - KVM's log of which RAM pages the guest wrote, for live
 * migration's pre-copy rounds.  KVM hands its whole bitmap over and clears
 * it on each KVM_GET_DIRTY_LOG; the control socket carries a chunk per
 * reply, so a fetch from page 0 collects KVM's bitmap into d->dirty and
 * each chunk fetched is taken out of it.  A page the guest writes during
 * the fetch lands in KVM's next bitmap: nothing is lost between rounds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv.h"

static size_t words(const struct domain *d)
{
	return (d->nr_pages + 63) / 64;
}

static int set_slot_flags(struct domain *d, uint32_t flags)
{
	struct kvm_userspace_memory_region r = { .slot = 0, .flags = flags,
		.guest_phys_addr = 0, .memory_size = d->mem_bytes,
		.userspace_addr = (uint64_t)(uintptr_t)d->mem };

	return ioctl(d->vmfd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

int dirty_log_set(struct domain *d, bool on)
{
	uint64_t *bits = NULL;
	int r = 0;

	pthread_mutex_lock(&d->share_lock);
	if (on && !d->dirty) {
		bits = calloc(words(d), sizeof(*bits));
		r = bits ? set_slot_flags(d, KVM_MEM_LOG_DIRTY_PAGES) : -ENOMEM;
		if (r == 0) {
			d->dirty = bits;
			bits = NULL;
		}
	} else if (!on && d->dirty) {
		r = set_slot_flags(d, 0);
		bits = d->dirty;
		d->dirty = NULL;
	}
	pthread_mutex_unlock(&d->share_lock);
	free(bits);
	return r;
}

/* KVM's bitmap since the last collection, ORed into d->dirty. */
static int collect(struct domain *d)
{
	size_t n = words(d);
	uint64_t *tmp = calloc(n, sizeof(*tmp));
	struct kvm_dirty_log log = { .slot = 0, .dirty_bitmap = tmp };
	int r = 0;

	if (!tmp)
		return -ENOMEM;
	if (ioctl(d->vmfd, KVM_GET_DIRTY_LOG, &log) < 0)
		r = -errno;
	for (size_t i = 0; r == 0 && i < n; i++)
		d->dirty[i] |= tmp[i];
	free(tmp);
	return r;
}

int dirty_log_fetch(struct domain *d, uint64_t first, struct kctl_dirty *out)
{
	int r = 0;

	if (first % KCTL_DIRTY_CHUNK || first >= d->nr_pages)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&d->share_lock);
	if (!d->dirty)
		r = -ENODATA; /* not logging */
	else if (first == 0)
		r = collect(d);
	if (r == 0) {
		size_t w0 = first / 64, nw = words(d) - w0;

		if (nw > KCTL_DIRTY_WORDS)
			nw = KCTL_DIRTY_WORDS;
		memcpy(out->bits, d->dirty + w0, nw * sizeof(uint64_t));
		memset(d->dirty + w0, 0, nw * sizeof(uint64_t));
		out->first_pfn = first;
		out->nr_pages = (uint32_t)(d->nr_pages - first < KCTL_DIRTY_CHUNK ?
					   d->nr_pages - first : KCTL_DIRTY_CHUNK);
	}
	pthread_mutex_unlock(&d->share_lock);
	return r;
}
