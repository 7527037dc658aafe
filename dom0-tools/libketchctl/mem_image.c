/*
 * mem_image.c - the client side of clones' copy-on-write memory: memory
 * images and making a clone's pages reachable through its memfd; and of
 * KVM's dirty log, for live migration.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kctl_private.h"

int kctl_mem_image_new_fd(struct kctl *h, uint64_t mem_bytes, int *fd)
{
	struct kctl_mem_image_new req = { .mem_bytes = mem_bytes };
	struct kctl_mem rep;
	int r;

	*fd = -1;
	r = kctl_call(h, KCTL_OP_MEM_IMAGE_NEW, &req, sizeof(req), &rep, sizeof(rep), fd);
	if (r)
		return r;
	if (*fd < 0)
		return -EPROTO;
	if (rep.mem_bytes != mem_bytes) {
		close(*fd);
		*fd = -1;
		return -EPROTO;
	}
	return 0;
}

int kctl_mem_image_new(struct kctl *h, uint64_t mem_bytes, void **ptr)
{
	int fd;
	int r = kctl_mem_image_new_fd(h, mem_bytes, &fd);
	void *p;

	if (r)
		return r;
	p = mmap(NULL, mem_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	r = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (r == 0)
		*ptr = p;
	return r;
}

int kctl_mem_image_adopt(struct kctl *h, uint32_t domid)
{
	struct kctl_domid req = { .domid = domid };

	return kctl_call(h, KCTL_OP_MEM_IMAGE_ADOPT, &req, sizeof(req), NULL, 0, NULL);
}

int kctl_mem_image_use(struct kctl *h, uint32_t domid)
{
	struct kctl_domid req = { .domid = domid };

	return kctl_call(h, KCTL_OP_MEM_IMAGE_USE, &req, sizeof(req), NULL, 0, NULL);
}

int kctl_mem_image_drop(struct kctl *h)
{
	return kctl_call(h, KCTL_OP_MEM_IMAGE_DROP, NULL, 0, NULL, 0, NULL);
}

int kctl_mem_share(struct kctl *h, uint32_t domid, uint64_t first_pfn, uint64_t count,
		   uint64_t *private_pages)
{
	struct kctl_mem_share req = { .domid = domid, .first_pfn = first_pfn,
				      .count = count };
	struct kctl_mem_share rep;
	int r = kctl_call(h, KCTL_OP_MEM_SHARE, &req, sizeof(req), &rep, sizeof(rep), NULL);

	if (r == 0 && private_pages)
		*private_pages = rep.private_pages;
	return r;
}

int kctl_dirty_log(struct kctl *h, uint32_t domid, bool on)
{
	struct kctl_dirty_req req = { .domid = domid,
				      .cmd = on ? KCTL_DIRTY_START : KCTL_DIRTY_STOP };

	return kctl_call(h, KCTL_OP_DIRTY_LOG, &req, sizeof(req), NULL, 0, NULL);
}

int kctl_dirty_fetch(struct kctl *h, uint32_t domid, uint64_t nr_pages, uint64_t *bitmap)
{
	struct kctl_dirty_req req = { .domid = domid, .cmd = KCTL_DIRTY_FETCH };
	static __thread struct kctl_dirty rep;

	for (uint64_t first = 0; first < nr_pages; first += KCTL_DIRTY_CHUNK) {
		uint64_t words;
		int r;

		req.first_pfn = first;
		r = kctl_call(h, KCTL_OP_DIRTY_LOG, &req, sizeof(req), &rep, sizeof(rep), NULL);
		if (r)
			return r;
		if (rep.first_pfn != first || rep.nr_pages > nr_pages - first)
			return -EPROTO;
		words = ((uint64_t)rep.nr_pages + 63) / 64;
		for (uint64_t i = 0; i < words; i++)
			bitmap[first / 64 + i] |= rep.bits[i];
	}
	return 0;
}
