/*
 * boot.c - kctl_boot: create, build and start a domain over the control
 * socket, the same sequence `ketch-hv run` performs in-process.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "ketch/builder.h"
#include "kctl_private.h"

static int fail(char *err, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, int r, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, KCTL_ERRLEN, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* Lay out the kernel in the domain's memory with the builder. */
static int build(struct kctl *h, uint32_t domid, const struct kctl_boot_spec *s,
		 uint32_t features, struct kb_layout *l, struct kctl_boot_info *bi,
		 char *err)
{
	struct kb_domain_spec spec = { .domid = domid, .kernel = s->kernel,
		.kernel_len = s->kernel_len, .ramdisk = s->ramdisk,
		.ramdisk_len = s->ramdisk_len, .cmdline = s->cmdline,
		.mem_is_zero = 1 };
	char kerr[KB_ERRLEN] = "";
	void *mem;
	uint64_t size;
	int r;

	/* Console and xenstore channels to the control domain, as Xen's toolstack. */
	r = kctl_evtchn_alloc_unbound(h, domid, 0, &bi->console_port);
	if (r == 0)
		r = kctl_evtchn_alloc_unbound(h, domid, 0, &bi->store_port);
	if (r)
		return fail(err, r, "cannot allocate event channels: %s", kctl_strerror(r));
	spec.console_evtchn = bi->console_port;
	spec.store_evtchn = bi->store_port;
	r = kctl_map_memory(h, domid, &mem, &size);

	if (r)
		return fail(err, r, "cannot map the domain's memory: %s",
			    kctl_strerror(r));
	spec.mem = mem;
	spec.mem_bytes = size;
	spec.hv_features[0] = features;
	r = kb_build(&spec, l, kerr);
	kctl_unmap_memory(mem, size);
	if (r)
		return fail(err, r, "%s", kerr);
	if (l->hypercall_page_gpa == ~0ULL)
		return fail(err, -EINVAL, "the image has no XEN_ELFNOTE_HYPERCALL_PAGE; "
			    "Ketch guests call the hypervisor only through it");
	bi->console_gpfn = l->console_gpfn;
	bi->store_gpfn = l->store_gpfn;
	bi->shared_info_gpa = l->shared_info_gpa;
	bi->hypercall_page_gpa = l->hypercall_page_gpa;
	bi->hypercall_page_va = l->elf.hypercall_page;
	return 0;
}

/* Hypercall page, image for crash reports, vCPU 0, go. */
static int start(struct kctl *h, uint32_t domid, const struct kctl_boot_spec *s,
		 const struct kb_layout *l, char *err)
{
	struct kctl_vcpu_context ctx = { .rip = l->entry_va,
		.rsp = l->stack_top_va, .rsi = l->start_info_va,
		.cr3 = l->pt_base_gpa };
	int r = kctl_hypercall_init(h, domid, l->hypercall_page_gpa,
				    l->elf.hypercall_page);

	if (r)
		return fail(err, r, "cannot fill the hypercall page: %s", kctl_strerror(r));
	r = kctl_set_shared_info(h, domid, l->shared_info_gpa);
	if (r)
		return fail(err, r, "cannot place shared_info: %s", kctl_strerror(r));
	r = kctl_set_image(h, domid, s->kernel, s->kernel_len);
	if (r)
		return fail(err, r, "cannot hand over the image: %s", kctl_strerror(r));
	r = kctl_set_vcpu(h, domid, 0, &ctx);
	if (r)
		return fail(err, r, "cannot set vCPU 0: %s", kctl_strerror(r));
	if (s->paused)
		return 0;
	r = kctl_unpause(h, domid);
	if (r)
		return fail(err, r, "cannot unpause: %s", kctl_strerror(r));
	return 0;
}

int kctl_boot(struct kctl *h, const struct kctl_boot_spec *spec,
	      uint32_t *domid, struct kctl_boot_info *info, char err[KCTL_ERRLEN])
{
	struct kctl_boot_info bi = { 0 };
	struct kctl_hv_info hi;
	struct kb_layout layout;
	uint32_t id;
	int r;

	if (err)
		err[0] = '\0';
	/* The features the hypervisor offers decide which kernels it can run. */
	r = kctl_hv_info(h, &hi);
	if (r)
		return fail(err, r, "cannot ask ketch-hv what it offers: %s",
			    kctl_strerror(r));
	r = kctl_create(h, spec->mem_bytes, spec->vcpus ? spec->vcpus : 1,
			spec->handle, &id);
	if (r)
		return fail(err, r, "cannot create the domain: %s", kctl_strerror(r));
	r = build(h, id, spec, hi.features, &layout, &bi, err);
	if (r == 0)
		r = start(h, id, spec, &layout, err);
	if (r) {
		kctl_destroy(h, id);
		return r;
	}
	*domid = id;
	if (info)
		*info = bi;
	return 0;
}
