/* What the daemon needs from the hypervisor to talk to a guest's ring. */
#ifndef XS_DOMAIN_OPS_H
#define XS_DOMAIN_OPS_H

#include <stdint.h>

#include <errno.h> /* before xs_wire.h: enables xsd_errors */
#include <xen/io/xs_wire.h>

/*
 * One implementation per environment, chosen in main (or by a test):
 * the daemon's stub (domain_ops_stub.c) fails until the hypervisor's client
 * library provides a real one; unit tests use an in-process fake guest.
 * Every function returns 0 or a negative errno.
 */
struct xs_domain_ops {
	void *priv;
	/* Maps the xenstore ring page of domid at guest frame gfn (INTRODUCE's
	 * <mfn>); *page stays valid until unmap_ring. */
	int (*map_ring)(void *priv, uint16_t domid, uint64_t gfn,
			struct xenstore_domain_interface **page);
	void (*unmap_ring)(void *priv, uint16_t domid, struct xenstore_domain_interface *page);
	/* Binds a local port to domid's unbound remote_port.  *notify_fd: the
	 * daemon writes an 8-byte 1 to it to signal the guest.  *wake_fd:
	 * becomes readable (eventfd semantics: read 8 bytes to reset) when the
	 * guest signals.  Both stay open until unbind_evtchn, which closes them. */
	int (*bind_evtchn)(void *priv, uint16_t domid, uint32_t remote_port, int *notify_fd,
			   int *wake_fd);
	void (*unbind_evtchn)(void *priv, uint16_t domid, int notify_fd, int wake_fd);
};

/* The daemon's default until the hypervisor client exists: INTRODUCE fails with ENOSYS. */
const struct xs_domain_ops *xs_domain_ops_stub(void);

#endif
