/* An in-process fake guest for ring tests: a page in memory and two eventfds. */
#ifndef XS_FAKE_GUEST_H
#define XS_FAKE_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <errno.h>
#include <xen/io/xs_wire.h>

#include "domain_ops.h"

#define XS_FAKE_MAX 4

struct xs_fake_guest {
	uint16_t domid;
	struct xenstore_domain_interface *page; /* "guest memory", allocated up front */
	int notify_fd; /* daemon -> guest: the guest waits on it */
	int wake_fd;   /* guest -> daemon: the guest writes it */
	bool mapped, bound;
};

struct xs_fake_env {
	struct xs_domain_ops ops; /* hand &ops to the daemon */
	struct xs_fake_guest g[XS_FAKE_MAX];
};

/* Prepares guests with domids first..first+XS_FAKE_MAX-1, all ring indices = start. */
void xs_fake_env_init(struct xs_fake_env *env, uint16_t first, uint32_t start);

/* Frees the pages (after the daemon released the domains). */
void xs_fake_env_fini(struct xs_fake_env *env);

/* The guest with domid, or NULL. */
struct xs_fake_guest *xs_fake_guest_get(struct xs_fake_env *env, uint16_t domid);

/* Puts up to len bytes on the request ring and kicks; returns bytes written. */
size_t xs_fake_guest_put(struct xs_fake_guest *g, const void *data, size_t len);

/* Sends a whole message, waiting for ring space (timeout_ms overall); 0 or -ETIMEDOUT. */
int xs_fake_guest_send(struct xs_fake_guest *g, uint32_t type, uint32_t req_id,
		       const void *payload, uint32_t len, int timeout_ms);

/* Receives one whole message (waiting up to timeout_ms); 0 or -ETIMEDOUT/-EIO. */
int xs_fake_guest_recv(struct xs_fake_guest *g, struct xsd_sockmsg *hdr, char *buf, size_t cap,
		       int timeout_ms);

#endif
