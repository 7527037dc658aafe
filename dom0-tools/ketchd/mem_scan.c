/*
 * mem_scan.c - a domain's memory as the toolstack reads all of it (save,
 * live migration): mapped, with the memfd kept to find the runs of frames
 * it holds (SEEK_DATA, SEEK_HOLE).  A frame the guest never touched, or
 * gave back by ballooning, is a hole: it reads as zeros, and is not read
 * at all, since a read through a shared mapping of a memfd gives the hole
 * a page of its own: reading a whole 4 GiB guest that uses 200 MiB would
 * make it cost the host 4 GiB.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ketchd.h"
#include "ketch/savestream.h"

int kd_guest_mem_open(struct kd *kd, uint32_t domid, struct kd_guest_mem *g)
{
	int r = kctl_memory_fd(kd->hv, domid, &g->fd, &g->size);

	if (r)
		return r;
	g->mem = mmap(NULL, g->size, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
	if (g->mem == MAP_FAILED) {
		r = -errno;
		close(g->fd);
		g->fd = -1;
		g->mem = NULL;
	}
	return r;
}

void kd_guest_mem_close(struct kd_guest_mem *g)
{
	if (g->mem)
		munmap(g->mem, g->size);
	if (g->fd >= 0)
		close(g->fd);
	g->mem = NULL;
	g->fd = -1;
}

bool kd_guest_mem_run(const struct kd_guest_mem *g, uint64_t *f, uint64_t *end)
{
	uint64_t nr = g->size / KS_PAGE;
	off_t d, h;

	if (*f >= nr)
		return false;
	d = lseek(g->fd, (off_t)(*f * KS_PAGE), SEEK_DATA);
	if (d < 0) {
		if (errno == ENXIO)
			return false; /* holes to the end */
		*end = nr;        /* a file that cannot tell: all of it is data */
		return true;
	}
	h = lseek(g->fd, d, SEEK_HOLE);
	*f = (uint64_t)d / KS_PAGE;
	*end = h < 0 ? nr : ((uint64_t)h + KS_PAGE - 1) / KS_PAGE;
	if (*end > nr)
		*end = nr;
	return *f < nr;
}
