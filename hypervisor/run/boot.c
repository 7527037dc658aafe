/*
 * boot.c - boot a guest image in this process: create the domain, let the
 * builder lay it out in the domain's memory, fill the hypercall page,
 * load vCPU 0 and unpause.  `ketch-hv run` and the in-process benchmarks
 * use it; remote callers do the same steps over the control socket.
 */
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hv.h"
#include "ketch/builder.h"

static int layout(struct domain *d, struct hv_boot *b, struct kb_layout *l,
		  char *err, size_t errlen)
{
	struct kb_domain_spec spec = { .domid = d->domid, .mem = d->mem,
		.mem_bytes = d->mem_bytes, .mem_is_zero = 1, .kernel = b->kernel,
		.kernel_len = b->kernel_len, .ramdisk = b->ramdisk,
		.ramdisk_len = b->ramdisk_len, .cmdline = b->cmdline };
	char kerr[KB_ERRLEN] = "";
	int r;

	/* Console and xenstore channels to the control domain, as Xen's toolstack. */
	if (evtchn_alloc_unbound(d, 0, &spec.console_evtchn) < 0 ||
	    evtchn_alloc_unbound(d, 0, &spec.store_evtchn) < 0) {
		snprintf(err, errlen, "cannot allocate console/xenstore event channels");
		return -ENOSPC;
	}
	b->console_port = spec.console_evtchn;
	b->store_port = spec.store_evtchn;
	spec.hv_features[0] = HV_FEATURES_SUBMAP0;
	r = kb_build(&spec, l, kerr);
	if (r < 0) {
		snprintf(err, errlen, "%s", kerr);
		return r;
	}
	if (l->hypercall_page_gpa == ~0ULL) {
		snprintf(err, errlen, "the image has no XEN_ELFNOTE_HYPERCALL_PAGE; "
				      "Ketch guests call the hypervisor only through it");
		return -EINVAL;
	}
	b->console_gpfn = l->console_gpfn;
	b->store_gpfn = l->store_gpfn;
	return 0;
}

static int start(struct domain *d, const struct kb_layout *l, char *err, size_t errlen)
{
	struct kctl_vcpu_context ctx = { .rip = l->entry_va,
		.rsp = l->stack_top_va, .rsi = l->start_info_va,
		.cr3 = l->pt_base_gpa };
	int r = domain_hypercall_init(d, l->hypercall_page_gpa, l->elf.hypercall_page);

	if (r == 0)
		r = domain_set_shared_info(d, l->shared_info_gpa);
	if (r == 0)
		r = domain_set_vcpu_context(d, 0, &ctx);
	if (r)
		snprintf(err, errlen, "cannot start the guest: %s", strerror(-r));
	return r;
}

int hv_boot(struct hv *hv, struct hv_boot *b, uint32_t *domid, char *err,
	    size_t errlen)
{
	struct kctl_create req = { .mem_bytes = b->mem_bytes, .vcpus = b->vcpus };
	struct kb_layout l;
	struct domain *d;
	int r = domain_create(hv, &req, domid);

	if (r) {
		snprintf(err, errlen, "cannot create the domain: %s", strerror(-r));
		return r;
	}
	d = domain_get(hv, *domid);
	if (b->console_fn)
		domain_set_console(d, b->console_fn, b->console_opaque);
	r = layout(d, b, &l, err, errlen);
	if (r == 0)
		r = start(d, &l, err, errlen);
	if (r == 0)
		domain_attach_image(d, b->kernel, b->kernel_len);
	if (r == 0 && !b->paused)
		r = domain_unpause(d);
	domain_put(d);
	if (r)
		domain_destroy(hv, *domid);
	return r;
}
