/* Placeholder domain ops: no hypervisor client yet, so INTRODUCE fails clearly. */
#include <errno.h>

#include "domain_ops.h"

static int stub_map(void *priv, uint16_t domid, uint64_t gfn,
		    struct xenstore_domain_interface **page)
{
	(void)priv;
	(void)domid;
	(void)gfn;
	(void)page;
	return -ENOSYS; /* the INTRODUCE handler logs why */
}

static void stub_unmap(void *priv, uint16_t domid, struct xenstore_domain_interface *page)
{
	(void)priv;
	(void)domid;
	(void)page;
}

static int stub_bind(void *priv, uint16_t domid, uint32_t port, int *notify_fd, int *wake_fd)
{
	(void)priv;
	(void)domid;
	(void)port;
	*notify_fd = *wake_fd = -1;
	return -ENOSYS;
}

static void stub_unbind(void *priv, uint16_t domid, int notify_fd, int wake_fd)
{
	(void)priv;
	(void)domid;
	(void)notify_fd;
	(void)wake_fd;
}

static const struct xs_domain_ops stub_ops = {
	.map_ring = stub_map,
	.unmap_ring = stub_unmap,
	.bind_evtchn = stub_bind,
	.unbind_evtchn = stub_unbind,
};

const struct xs_domain_ops *xs_domain_ops_stub(void)
{
	return &stub_ops;
}
