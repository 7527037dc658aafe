/* Between the xenbus ring transport (xenbus.c) and its operations (xenbus_ops.c). */
#ifndef KETCH_GUEST_XENBUS_INTERNAL_H
#define KETCH_GUEST_XENBUS_INTERNAL_H

#include <ketch-guest/xenbus.h>

/* One piece of a request's payload. */
struct xb_iov {
	const void *base;
	unsigned int len;
};

/*
 * Send a request of type in transaction t made of iov[0..n) and wait for
 * its reply.  An XS_ERROR reply becomes its Xen errno; otherwise *reply
 * (may be NULL) holds the payload, NUL-terminated, with *len bytes (len may
 * be NULL).  -XEN_E2BIG for a payload over XENSTORE_PAYLOAD_MAX, -XEN_EIO
 * when the ring is broken or the reply malformed.
 */
int xb_request(uint32_t type, xenbus_transaction_t t, const struct xb_iov *iov, unsigned int n,
	       char **reply, unsigned int *len);

/* Like xb_request with one C-string argument (its NUL included). */
int xb_request_str(uint32_t type, xenbus_transaction_t t, const char *arg, char **reply,
		   unsigned int *len);

/* Free every queued watch event carrying token. */
void xb_drop_events(const char *token);
/* Set every remembered watch again (a resumed guest's new connection). */
int xb_rewatch_all(void);

#endif
