/*
 * ctl_image.c - SET_IMAGE: a kernel image arrives in ordered chunks, is
 * staged on the connection, and is attached to the domain (for crash-report
 * symbols) when the last byte is in.  The staging buffer grows with what
 * actually arrived, so an announced size costs nothing until it is sent.
 */
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_internal.h"
#include "hv.h"

void ctl_image_reset(struct ctl_image *img)
{
	free(img->buf);
	*img = (struct ctl_image){ 0 };
}

/* Make room for `need` bytes (need <= total). */
static int reserve(struct ctl_image *img, uint64_t need)
{
	size_t want = img->cap ? img->cap : 65536;
	uint8_t *p;

	while (want < need)
		want *= 2;
	if (want > img->total)
		want = (size_t)img->total;
	if (want <= img->cap)
		return 0;
	p = realloc(img->buf, want);
	if (!p)
		return -ENOMEM;
	img->buf = p;
	img->cap = want;
	return 0;
}

/* Accept one chunk into the staging area; -EINVAL if out of order. */
static int stage(struct ctl_image *img, const struct kctl_image_chunk *h,
		 const uint8_t *data, size_t n)
{
	int r;

	if (h->offset == 0) {
		ctl_image_reset(img);
		img->domid = h->domid;
		img->total = h->total;
	} else if (!img->buf || h->domid != img->domid || h->total != img->total ||
		   h->offset != img->have) {
		return -EINVAL;
	}
	if (n > img->total - img->have)
		return -EINVAL;
	r = reserve(img, img->have + n);
	if (r)
		return r;
	memcpy(img->buf + img->have, data, n);
	img->have += n;
	return 0;
}

int ctl_op_set_image(struct ctl_conn *c, const void *req, size_t len,
		     struct ctl_reply *rep)
{
	const struct kctl_image_chunk *h = req;
	struct ctl_image *img = &c->img;
	struct domain *d;
	int r;

	(void)rep;
	if (h->total == 0 || h->total > KCTL_MAX_IMAGE)
		return h->total ? -EFBIG : -EINVAL;
	d = domain_get(c->srv->hv, h->domid);
	if (!d) {
		ctl_image_reset(img);
		return -ESRCH;
	}
	r = stage(img, h, (const uint8_t *)(h + 1), len - sizeof(*h));
	if (r == 0 && img->have == img->total) {
		r = domain_attach_image(d, img->buf, img->have) ? -ENOEXEC : 0;
		ctl_image_reset(img);
	}
	domain_put(d);
	return r;
}
