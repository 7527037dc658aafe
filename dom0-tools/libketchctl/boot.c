/*
 * boot.c - kctl_boot: kb_boot's steps as control-socket requests, the
 * same sequence `ketch-hv run` performs in-process.
 */
#include <stdio.h>

#include "ketch/builder.h"
#include "kctl_private.h"

static int k_create(void *c, uint64_t mem_bytes, uint32_t vcpus,
		    const uint8_t *handle, uint32_t *domid)
{
	return kctl_create(c, mem_bytes, vcpus, handle, domid);
}

static int k_alloc_port(void *c, uint32_t domid, uint32_t *port)
{
	return kctl_evtchn_alloc_unbound(c, domid, 0, port);
}

static int k_map_memory(void *c, uint32_t domid, void **mem, uint64_t *size)
{
	return kctl_map_memory(c, domid, mem, size);
}

static void k_unmap_memory(void *c, void *mem, uint64_t size)
{
	(void)c;
	kctl_unmap_memory(mem, size);
}

static int k_hypercall_init(void *c, uint32_t domid, uint64_t gpa, uint64_t va)
{
	return kctl_hypercall_init(c, domid, gpa, va);
}

static int k_set_shared_info(void *c, uint32_t domid, uint64_t gpa)
{
	return kctl_set_shared_info(c, domid, gpa);
}

static int k_set_image(void *c, uint32_t domid, const void *image, size_t len)
{
	return kctl_set_image(c, domid, image, len);
}

static int k_set_vcpu0(void *c, uint32_t domid, const struct kb_layout *l)
{
	struct kctl_vcpu_context ctx = { .rip = l->entry_va,
		.rsp = l->stack_top_va, .rsi = l->start_info_va,
		.cr3 = l->pt_base_gpa };

	return kctl_set_vcpu(c, domid, 0, &ctx);
}

static int k_unpause(void *c, uint32_t domid)
{
	return kctl_unpause(c, domid);
}

static void k_destroy(void *c, uint32_t domid)
{
	kctl_destroy(c, domid);
}

static const struct kb_boot_ops kctl_boot_ops = {
	.strerror = kctl_strerror, .create = k_create,
	.alloc_port = k_alloc_port, .map_memory = k_map_memory,
	.unmap_memory = k_unmap_memory, .hypercall_init = k_hypercall_init,
	.set_shared_info = k_set_shared_info, .set_image = k_set_image,
	.set_vcpu0 = k_set_vcpu0, .unpause = k_unpause, .destroy = k_destroy,
};

int kctl_boot(struct kctl *h, const struct kctl_boot_spec *spec,
	      uint32_t *domid, struct kctl_boot_info *info, char err[KCTL_ERRLEN])
{
	struct kb_boot_spec s = *spec;
	struct kctl_hv_info hi;
	int r = kctl_hv_info(h, &hi);

	/* The features the hypervisor offers decide which kernels it can run. */
	if (r) {
		if (err)
			snprintf(err, KCTL_ERRLEN, "cannot ask ketch-hv what it "
				 "offers: %s", kctl_strerror(r));
		return r;
	}
	s.features = hi.features;
	return kb_boot(&kctl_boot_ops, h, &s, domid, info, err, err ? KCTL_ERRLEN : 0);
}
