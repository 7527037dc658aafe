/*
 * hc_console.c - HYPERVISOR_console_io: the hypervisor console.  Writes go
 * to the domain's console sink (stdout in `ketch-hv run`, the log
 * otherwise); reads drain the domain's console input buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xen/errno.h>

#include "hv.h"

#define CONSOLEIO_MAX 65536 /* bytes per call; larger is -EINVAL */
#define CHUNK 1024

static long console_write(struct vcpu *v, uint64_t count, uint64_t va)
{
	struct domain *d = v->d;
	char buf[CHUNK];

	if (count > CONSOLEIO_MAX)
		return -XEN_EINVAL;
	for (uint64_t done = 0; done < count;) {
		size_t n = count - done > CHUNK ? CHUNK : (size_t)(count - done);

		if (gm_copy_from(v, buf, va + done, n))
			return -XEN_EFAULT;
		if (d->console_fn)
			d->console_fn(d, buf, n, d->console_opaque);
		else
			hv_log("d%u: %.*s", d->domid,
			       (int)(n && buf[n - 1] == '\n' ? n - 1 : n), buf);
		done += n;
	}
	return 0;
}

static long console_read(struct vcpu *v, uint64_t count, uint64_t va)
{
	struct domain *d = v->d;
	char buf[HV_CONSOLE_IN_SIZE];
	size_t n;

	if (count > CONSOLEIO_MAX)
		return -XEN_EINVAL;
	/*
	 * Take the bytes out in one locked step: two vCPUs reading at once
	 * must each get their own bytes, and measuring under one lock and
	 * consuming under another let both consume the same n (the length
	 * then wrapped).  The copy to the guest, which may fault, is outside.
	 */
	pthread_mutex_lock(&d->lock);
	n = d->console_in_len < count ? d->console_in_len : (size_t)count;
	memcpy(buf, d->console_in, n);
	memmove(d->console_in, d->console_in + n, d->console_in_len - n);
	d->console_in_len -= n;
	pthread_mutex_unlock(&d->lock);
	if (n && gm_copy_to(v, va, buf, n))
		return -XEN_EFAULT; /* the bytes are gone, as from Xen's ring */
	return (long)n;
}

long hc_console_io(struct vcpu *v, const uint64_t a[6])
{
	switch (a[0]) {
	case CONSOLEIO_write:
		return console_write(v, a[1], a[2]);
	case CONSOLEIO_read:
		return console_read(v, a[1], a[2]);
	default:
		return -XEN_ENOSYS;
	}
}
