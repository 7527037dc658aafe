/*
 * boot_seq.c - kb_boot: the one sequence that starts a guest, over the
 * steps its caller supplies (in-process in ketch-hv, or control-socket
 * requests in libketchctl), so the two cannot drift apart.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "ketch/builder.h"

static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* Console and xenstore channels to the control domain, as Xen's toolstack. */
static int ports(const struct kb_boot_ops *o, void *c, uint32_t domid,
		 struct kb_boot_info *bi, char *err, size_t errlen)
{
	int r = o->alloc_port(c, domid, &bi->console_port);

	if (r == 0)
		r = o->alloc_port(c, domid, &bi->store_port);
	if (r)
		return fail(err, errlen, r, "cannot allocate console/xenstore event "
			    "channels: %s", o->strerror(r));
	return 0;
}

static int layout(const struct kb_boot_ops *o, void *c, uint32_t domid,
		  const struct kb_boot_spec *s, struct kb_layout *l,
		  struct kb_boot_info *bi, char *err, size_t errlen)
{
	struct kb_domain_spec spec = { .domid = domid, .kernel = s->kernel,
		.kernel_len = s->kernel_len, .ramdisk = s->ramdisk,
		.ramdisk_len = s->ramdisk_len, .cmdline = s->cmdline,
		.mem_is_zero = 1, .console_evtchn = bi->console_port,
		.store_evtchn = bi->store_port };
	char kerr[KB_ERRLEN] = "";
	void *mem;
	int r = o->map_memory(c, domid, &mem, &spec.mem_bytes);

	if (r)
		return fail(err, errlen, r, "cannot map the domain's memory: %s",
			    o->strerror(r));
	spec.mem = mem;
	spec.hv_features[0] = s->features;
	r = kb_build(&spec, l, kerr);
	o->unmap_memory(c, mem, spec.mem_bytes);
	if (r)
		return fail(err, errlen, r, "%s", kerr);
	if (l->hypercall_page_gpa == ~0ULL)
		return fail(err, errlen, -EINVAL, "the image has no "
			    "XEN_ELFNOTE_HYPERCALL_PAGE; Ketch guests call the "
			    "hypervisor only through it");
	bi->console_gpfn = l->console_gpfn;
	bi->store_gpfn = l->store_gpfn;
	bi->shared_info_gpa = l->shared_info_gpa;
	bi->hypercall_page_gpa = l->hypercall_page_gpa;
	bi->hypercall_page_va = l->elf.hypercall_page;
	return 0;
}

/* Each step and the words naming it when it fails. */
#define STEP(call, what) do { int r_ = (call); \
	if (r_) return fail(err, errlen, r_, "cannot %s: %s", what, o->strerror(r_)); \
	} while (0)

static int start(const struct kb_boot_ops *o, void *c, uint32_t domid,
		 const struct kb_boot_spec *s, const struct kb_layout *l,
		 char *err, size_t errlen)
{
	STEP(o->hypercall_init(c, domid, l->hypercall_page_gpa,
			       l->elf.hypercall_page), "fill the hypercall page");
	STEP(o->set_shared_info(c, domid, l->shared_info_gpa), "place shared_info");
	STEP(o->set_image(c, domid, s->kernel, s->kernel_len), "hand over the image");
	STEP(o->set_vcpu0(c, domid, l), "set vCPU 0");
	if (!s->paused)
		STEP(o->unpause(c, domid), "unpause");
	return 0;
}

int kb_boot(const struct kb_boot_ops *o, void *c, const struct kb_boot_spec *s,
	    uint32_t *domid, struct kb_boot_info *info, char *err, size_t errlen)
{
	struct kb_boot_info bi = { 0 };
	struct kb_layout l;
	uint32_t id;
	int r;

	if (err && errlen)
		err[0] = '\0';
	r = o->create(c, s->mem_bytes, s->vcpus ? s->vcpus : 1, s->handle, &id);
	if (r)
		return fail(err, errlen, r, "cannot create the domain: %s",
			    o->strerror(r));
	r = ports(o, c, id, &bi, err, errlen);
	if (r == 0)
		r = layout(o, c, id, s, &l, &bi, err, errlen);
	if (r == 0)
		r = start(o, c, id, s, &l, err, errlen);
	if (r) {
		o->destroy(c, id);
		return r;
	}
	*domid = id;
	if (info)
		*info = bi;
	return 0;
}
