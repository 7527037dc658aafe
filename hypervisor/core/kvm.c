/* kvm.c - /dev/kvm: capabilities, flavour detection, VM and vCPU creation. */
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cpuid.h>

#include "hv.h"

const char *hv_flavour_name(enum hv_flavour f)
{
	switch (f) {
	case HV_FLAVOUR_VMX: return "vmx";
	case HV_FLAVOUR_SVM: return "svm";
	case HV_FLAVOUR_PVM: return "pvm";
	default: return "unknown";
	}
}

/*
 * PVM is a KVM vendor module of its own; when it is loaded it serves
 * /dev/kvm.  Otherwise the CPU's VMX/SVM bit names the flavour.
 */
static enum hv_flavour detect_flavour(void)
{
	unsigned int a, b, c, d;

	if (access("/sys/module/kvm_pvm", F_OK) == 0)
		return HV_FLAVOUR_PVM;
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 5)))
		return HV_FLAVOUR_VMX;
	if (__get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 2)))
		return HV_FLAVOUR_SVM;
	return HV_FLAVOUR_OTHER;
}

int hv_kvm_open(struct hv *hv)
{
	int api;

	hv->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (hv->kvm < 0) {
		int e = errno;
		hv_log("cannot open /dev/kvm: %s", strerror(e));
		return -e;
	}
	api = ioctl(hv->kvm, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		hv_log("unsupported KVM API version %d", api);
		return -ENOTSUP;
	}
	hv->vcpu_mmap_size = ioctl(hv->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (hv->vcpu_mmap_size <= 0)
		return -ENOTSUP;
	hv->sync_regs = (ioctl(hv->kvm, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) &
			 KVM_SYNC_X86_REGS) != 0;
	hv->flavour = detect_flavour();
	hv_log("KVM flavour %s, sync_regs %s", hv_flavour_name(hv->flavour),
	       hv->sync_regs ? "yes" : "no");
	return 0;
}

int hv_kvm_create_vm(struct hv *hv, struct domain *d)
{
	struct kvm_userspace_memory_region r;

	d->vmfd = ioctl(hv->kvm, KVM_CREATE_VM, 0);
	if (d->vmfd < 0)
		return -errno;
	fcntl(d->vmfd, F_SETFD, FD_CLOEXEC);
	d->memfd = memfd_create("ketch-guest", MFD_CLOEXEC);
	if (d->memfd < 0)
		return -errno;
	if (ftruncate(d->memfd, (off_t)d->mem_bytes) < 0)
		return -errno;
	d->mem = mmap(NULL, d->mem_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		      d->memfd, 0);
	if (d->mem == MAP_FAILED) {
		d->mem = NULL;
		return -errno;
	}
	r = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = d->mem_bytes,
		.userspace_addr = (uint64_t)(uintptr_t)d->mem,
	};
	if (ioctl(d->vmfd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -errno;
	return 0;
}

static int set_cpuid(struct hv *hv, int vcpufd)
{
	static __thread struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[256];
	} cp;

	cp.c.nent = 256;
	if (ioctl(hv->kvm, KVM_GET_SUPPORTED_CPUID, &cp) < 0)
		return -errno;
	if (ioctl(vcpufd, KVM_SET_CPUID2, &cp) < 0)
		return -errno;
	return 0;
}

/* CPL3 code and stack segments with Xen's flat ring-3 selectors. */
void hv_kvm_ring3_segments(struct kvm_sregs *s)
{
	s->cs = (struct kvm_segment){ .base = 0, .limit = 0xffffffff,
		.selector = FLAT_RING3_CS64, .type = 11, .present = 1, .dpl = 3,
		.s = 1, .l = 1, .g = 1 };
	s->ss = (struct kvm_segment){ .base = 0, .limit = 0xffffffff,
		.selector = FLAT_RING3_SS64, .type = 3, .present = 1, .dpl = 3,
		.db = 1, .s = 1, .g = 1 };
}

/*
 * Long mode, paging on, the ring-3 segments.  TR points at the hypercall
 * page (see hcpage.c); it is set again once the page's address is known.
 */
static int set_initial_sregs(int vcpufd)
{
	struct kvm_sregs s;

	if (ioctl(vcpufd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	s.cr0 = 0x80050033; /* PG|AM|WP|NE|ET|MP|PE */
	s.cr4 = (1 << 5) | (1 << 9) | (1 << 10) | (1 << 7); /* PAE|OSFXSR|OSXMMEXCPT|PGE */
	s.efer = 0x500;     /* LMA|LME */
	hv_kvm_ring3_segments(&s);
	s.ds = s.es = s.fs = s.gs = s.ss;
	s.ds.selector = s.es.selector = s.fs.selector = s.gs.selector = 0;
	if (ioctl(vcpufd, KVM_SET_SREGS, &s) < 0)
		return -errno;
	return 0;
}

int hv_kvm_create_vcpu(struct hv *hv, struct domain *d, struct vcpu *v)
{
	int r;

	v->fd = ioctl(d->vmfd, KVM_CREATE_VCPU, v->id);
	if (v->fd < 0)
		return -errno;
	fcntl(v->fd, F_SETFD, FD_CLOEXEC);
	v->run_size = (size_t)hv->vcpu_mmap_size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return -errno;
	}
	r = set_cpuid(hv, v->fd);
	if (r == 0)
		r = set_initial_sregs(v->fd);
	if (r == 0 && hv->sync_regs)
		v->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	return r;
}

/*
 * The page behind the zap slot: the domain's own, zero and read-only both
 * in ketch-hv and (where KVM offers it) to the guest, which can reach it
 * while the slot exists.  One page shared by all domains was a channel
 * between them; a writable one would let a guest leave data in ketch-hv.
 */
static int zap_page(struct domain *d, uint32_t *flags)
{
	if (!d->zap_page) {
		void *p = mmap(NULL, HV_PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -errno;
		d->zap_page = p;
	}
	*flags = ioctl(d->hv->kvm, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0 ?
			 KVM_MEM_READONLY : 0;
	return 0;
}

void hv_kvm_zap_free(struct domain *d)
{
	if (d->zap_page)
		munmap(d->zap_page, HV_PAGE_SIZE);
	d->zap_page = NULL;
}

/*
 * Make KVM forget every shadow translation of this VM.  Writes ketch-hv
 * makes to guest page tables through its own mapping bypass KVM's
 * write-tracking of shadowed page tables (only guest writes are tracked),
 * so a flush alone may keep a stale translation.  Deleting a memory slot
 * makes KVM drop all shadow pages (a "fast zap"); a one-page scratch slot
 * far above RAM is added and deleted for that, leaving RAM untouched.
 */
int hv_kvm_zap_shadow(struct domain *d)
{
	struct kvm_userspace_memory_region r = {
		.slot = 1,
		.guest_phys_addr = HV_ZAP_GPA,
		.memory_size = HV_PAGE_SIZE,
	};
	int ret;

	pthread_mutex_lock(&d->zap_lock);
	ret = zap_page(d, &r.flags);
	r.userspace_addr = (uint64_t)(uintptr_t)d->zap_page;
	if (ret == 0 && ioctl(d->vmfd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		ret = -errno;
	r.memory_size = 0;
	if (ret == 0 && ioctl(d->vmfd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		ret = -errno;
	pthread_mutex_unlock(&d->zap_lock);
	return ret;
}
