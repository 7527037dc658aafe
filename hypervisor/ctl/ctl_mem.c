/*
 * ctl_mem.c - MEM_IMAGE_NEW/USE/DROP and MEM_SHARE: the memory images
 * clones are mapped copy-on-write from, and making a clone's pages
 * reachable through its memfd (mm/mem_share.c); DIRTY_LOG, the guest's
 * writes for live migration (mm/dirty_log.c).  An image belongs to the
 * connection that made it, one at a time, so a client that goes away
 * leaves none behind; the domains mapped from it keep its pages.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv.h"
#include "ctl_internal.h"

void ctl_mem_image_drop(struct ctl_conn *c)
{
	if (c->mem_image_fd >= 0)
		close(c->mem_image_fd);
	c->mem_image_fd = -1;
	c->mem_image_bytes = 0;
	c->mem_image_sealed = false;
}

int ctl_op_mem_image_new(struct ctl_conn *c, const void *req, size_t len,
			 struct ctl_reply *rep)
{
	const struct kctl_mem_image_new *in = req;
	struct kctl_mem *out = rep->buf;
	int fd;

	(void)len;
	if (in->mem_bytes < HV_MIN_MEM || in->mem_bytes > HV_MAX_MEM ||
	    in->mem_bytes % HV_PAGE_SIZE)
		return -EINVAL;
	ctl_mem_image_drop(c);
	fd = memfd_create("ketch-clone-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)in->mem_bytes) < 0) {
		close(fd);
		return -errno;
	}
	rep->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (rep->fd < 0) {
		close(fd);
		return -errno;
	}
	c->mem_image_fd = fd;
	c->mem_image_bytes = in->mem_bytes;
	out->mem_bytes = in->mem_bytes;
	rep->len = sizeof(*out);
	return 0;
}

/*
 * Sealed before its first use: the filler can no longer change what the
 * clones share (nor shrink it under their mappings: no SIGBUS here).
 */
static int seal(struct ctl_conn *c)
{
	if (c->mem_image_sealed)
		return 0;
	if (fcntl(c->mem_image_fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return errno == EBUSY ? -EBUSY : -errno; /* still mapped writable */
	c->mem_image_sealed = true;
	return 0;
}

int ctl_op_mem_image_use(struct ctl_conn *c, const void *req, size_t len,
			 struct ctl_reply *rep)
{
	struct domain *d;
	int r;

	(void)len, (void)rep;
	if (c->mem_image_fd < 0)
		return -ENODATA; /* no image on this connection */
	r = seal(c);
	if (r)
		return r;
	d = domain_get(c->srv->hv, ((const struct kctl_domid *)req)->domid);
	if (!d)
		return -ESRCH;
	r = mem_image_map(d, c->mem_image_fd, c->mem_image_bytes);
	domain_put(d);
	return r;
}

int ctl_op_mem_image_adopt(struct ctl_conn *c, const void *req, size_t len,
			   struct ctl_reply *rep)
{
	struct domain *d;
	int r;

	(void)len, (void)rep;
	if (c->mem_image_fd < 0)
		return -ENODATA;
	if (c->mem_image_sealed)
		return -EBUSY; /* clones use it: write-sealed, it cannot be a domain's own */
	/* No SIGBUS for ketch-hv: its other holders can no longer shrink it. */
	if (fcntl(c->mem_image_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)
		return -errno;
	d = domain_get(c->srv->hv, ((const struct kctl_domid *)req)->domid);
	if (!d)
		return -ESRCH;
	r = mem_image_adopt(d, c->mem_image_fd, c->mem_image_bytes);
	domain_put(d);
	if (r == 0) { /* the descriptor is the domain's now */
		c->mem_image_fd = -1;
		ctl_mem_image_drop(c);
	}
	return r;
}

int ctl_op_mem_image_drop(struct ctl_conn *c, const void *req, size_t len,
			  struct ctl_reply *rep)
{
	(void)req, (void)len, (void)rep;
	ctl_mem_image_drop(c);
	return 0;
}

int ctl_op_mem_share(struct ctl_conn *c, const void *req, size_t len,
		     struct ctl_reply *rep)
{
	const struct kctl_mem_share *in = req;
	struct kctl_mem_share *out = rep->buf;
	struct domain *d = domain_get(c->srv->hv, in->domid);
	uint64_t left = 0;
	int r;

	(void)len;
	if (!d)
		return -ESRCH;
	r = mem_share(d, in->first_pfn, in->count, &left);
	domain_put(d);
	if (r)
		return r;
	*out = *in;
	out->private_pages = left;
	rep->len = sizeof(*out);
	return 0;
}

int ctl_op_dirty_log(struct ctl_conn *c, const void *req, size_t len,
		     struct ctl_reply *rep)
{
	const struct kctl_dirty_req *in = req;
	struct domain *d = domain_get(c->srv->hv, in->domid);
	int r;

	(void)len;
	if (!d)
		return -ESRCH;
	switch (in->cmd) {
	case KCTL_DIRTY_START:
	case KCTL_DIRTY_STOP:
		r = in->first_pfn ? -EINVAL : dirty_log_set(d, in->cmd == KCTL_DIRTY_START);
		break;
	case KCTL_DIRTY_FETCH:
		r = dirty_log_fetch(d, in->first_pfn, rep->buf);
		if (r == 0)
			rep->len = sizeof(struct kctl_dirty);
		break;
	default:
		r = -EINVAL;
	}
	domain_put(d);
	return r;
}
