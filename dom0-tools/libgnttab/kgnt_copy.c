/*
 * kgnt_copy.c - copies to and from granted pages: pin the entry, pread or
 * pwrite the guest's memfd at the granted frame, unpin.  No mapping is
 * made, so a copy costs one system call beside the checks.
 */
#include <errno.h>
#include <unistd.h>

#include "kgnt_private.h"

static int16_t copy(struct kgnt *g, grant_ref_t ref, uint16_t offset, void *buf,
		    uint16_t len, bool to_guest)
{
	uint32_t frame;
	int16_t st;
	ssize_t n;

	if ((unsigned int)offset + len > KGNT_PAGE_SIZE)
		return GNTST_bad_copy_arg;
	pthread_mutex_lock(&g->lock);
	st = kgnt_pin(g, ref, !to_guest, &frame);
	pthread_mutex_unlock(&g->lock);
	if (st != GNTST_okay)
		return st;
	off_t at = (off_t)frame * KGNT_PAGE_SIZE + offset;
	n = to_guest ? pwrite(g->memfd, buf, len, at) : pread(g->memfd, buf, len, at);
	pthread_mutex_lock(&g->lock);
	kgnt_unpin(g, ref, !to_guest);
	pthread_mutex_unlock(&g->lock);
	return n == len ? GNTST_okay : GNTST_general_error;
}

int16_t kgnt_copy_from(struct kgnt *g, grant_ref_t ref, uint16_t offset, void *buf,
		       uint16_t len)
{
	return copy(g, ref, offset, buf, len, false);
}

int16_t kgnt_copy_to(struct kgnt *g, grant_ref_t ref, uint16_t offset, const void *buf,
		     uint16_t len)
{
	return copy(g, ref, offset, (void *)buf, len, true);
}
