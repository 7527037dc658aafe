/*
 * boot.c - hv_boot: kb_boot's steps done in this process, for `ketch-hv
 * run` and the in-process benchmarks; libketchctl does the same sequence
 * over the control socket.
 */
#include <stdint.h>
#include <errno.h>
#include <string.h>

#include "hv.h"
#include "ketch/builder.h"

struct boot_ctx {
	struct hv *hv;
	struct hv_boot *b;
};

static const char *neg_strerror(int r)
{
	return strerror(-r);
}

/* Each step on the domain itself, holding a reference for its length. */
#define WITH_DOMAIN(ctx, domid, expr) do { \
	struct domain *d = domain_get(((struct boot_ctx *)(ctx))->hv, domid); \
	int r_; \
	if (!d) return -ESRCH; \
	r_ = (expr); domain_put(d); return r_; } while (0)

static int h_create(void *c, uint64_t mem_bytes, uint32_t vcpus,
		    const uint8_t *handle, uint32_t *domid)
{
	struct boot_ctx *bc = c;
	struct kctl_create req = { .mem_bytes = mem_bytes, .vcpus = vcpus };
	struct domain *d;
	int r;

	(void)handle;
	r = domain_create(bc->hv, &req, domid);
	if (r || !bc->b->console_fn)
		return r;
	d = domain_get(bc->hv, *domid);
	domain_set_console(d, bc->b->console_fn, bc->b->console_opaque);
	domain_put(d);
	return 0;
}

static int h_alloc_port(void *c, uint32_t domid, uint32_t *port)
{
	WITH_DOMAIN(c, domid, evtchn_alloc_unbound(d, 0, port));
}

/* A new domain's memfd is zero; the mapping is ketch-hv's own. */
static int h_map_memory(void *c, uint32_t domid, void **mem, uint64_t *size)
{
	WITH_DOMAIN(c, domid, (*mem = d->mem, *size = d->mem_bytes, 0));
}

static void h_unmap_memory(void *c, void *mem, uint64_t size)
{
	(void)c, (void)mem, (void)size;
}

static int h_hypercall_init(void *c, uint32_t domid, uint64_t gpa, uint64_t va)
{
	WITH_DOMAIN(c, domid, domain_hypercall_init(d, gpa, va));
}

static int h_set_shared_info(void *c, uint32_t domid, uint64_t gpa)
{
	WITH_DOMAIN(c, domid, domain_set_shared_info(d, gpa));
}

static int h_set_image(void *c, uint32_t domid, const void *image, size_t len)
{
	WITH_DOMAIN(c, domid, domain_attach_image(d, image, len));
}

static int h_set_vcpu0(void *c, uint32_t domid, const struct kb_layout *l)
{
	struct kctl_vcpu_context ctx = { .rip = l->entry_va,
		.rsp = l->stack_top_va, .rsi = l->start_info_va,
		.cr3 = l->pt_base_gpa };

	WITH_DOMAIN(c, domid, domain_set_vcpu_context(d, 0, &ctx));
}

static int h_unpause(void *c, uint32_t domid)
{
	WITH_DOMAIN(c, domid, domain_unpause(d));
}

static void h_destroy(void *c, uint32_t domid)
{
	domain_destroy(((struct boot_ctx *)c)->hv, domid);
}

static const struct kb_boot_ops hv_boot_ops = {
	.strerror = neg_strerror, .create = h_create,
	.alloc_port = h_alloc_port, .map_memory = h_map_memory,
	.unmap_memory = h_unmap_memory, .hypercall_init = h_hypercall_init,
	.set_shared_info = h_set_shared_info, .set_image = h_set_image,
	.set_vcpu0 = h_set_vcpu0, .unpause = h_unpause, .destroy = h_destroy,
};

int hv_boot(struct hv *hv, struct hv_boot *b, uint32_t *domid, char *err,
	    size_t errlen)
{
	struct boot_ctx bc = { .hv = hv, .b = b };
	struct kb_boot_spec s = { .kernel = b->kernel,
		.kernel_len = b->kernel_len, .ramdisk = b->ramdisk,
		.ramdisk_len = b->ramdisk_len, .cmdline = b->cmdline,
		.mem_bytes = b->mem_bytes, .vcpus = b->vcpus,
		.features = HV_FEATURES_SUBMAP0, .paused = b->paused };
	struct kb_boot_info bi;
	int r = kb_boot(&hv_boot_ops, &bc, &s, domid, &bi, err, errlen);

	if (r == 0) {
		b->console_gpfn = bi.console_gpfn;
		b->store_gpfn = bi.store_gpfn;
		b->console_port = bi.console_port;
		b->store_port = bi.store_port;
	}
	return r;
}
