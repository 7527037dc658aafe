/*
 * gnttab.c - the control-socket calls a control-domain grant library needs:
 * a domain's memfd itself (not a mapping of it), where its grant-table
 * frames are, and the memfd of those outside its RAM.
 */
#include <errno.h>
#include <unistd.h>

#include "kctl_private.h"

int kctl_memory_fd(struct kctl *h, uint32_t domid, int *fd, uint64_t *size)
{
	struct kctl_domid req = { .domid = domid };
	struct kctl_mem rep;
	int r = kctl_call(h, KCTL_OP_MAP_MEMORY, &req, sizeof(req), &rep,
			  sizeof(rep), fd);

	if (r)
		return r;
	if (*fd < 0)
		return -EPROTO;
	*size = rep.mem_bytes;
	return 0;
}

int kctl_gnttab_info(struct kctl *h, uint32_t domid, struct kctl_gnttab_info *info)
{
	struct kctl_domid req = { .domid = domid };

	return kctl_call(h, KCTL_OP_GNTTAB_INFO, &req, sizeof(req), info,
			 sizeof(*info), NULL);
}

int kctl_gnttab_frames(struct kctl *h, uint32_t domid, struct kctl_gnttab_frames *out, int *fd)
{
	struct kctl_domid req = { .domid = domid };
	int r = kctl_call(h, KCTL_OP_GNTTAB_FRAMES, &req, sizeof(req), out, sizeof(*out), fd);

	if (r)
		return r;
	if (*fd < 0)
		return -EPROTO;
	return 0;
}
