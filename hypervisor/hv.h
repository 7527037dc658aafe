/*
 * ketch-hv internals: the hypervisor context, domains and vCPUs, and the
 * prototypes each hypervisor/ file exports to the others.  Nothing here is
 * an ABI; the guest ABI is Xen's headers plus include/ketch/abi.h, the
 * control ABI is include/ketch/ctl.h.
 */
#ifndef KETCH_HV_H
#define KETCH_HV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>
#include <xen/xen.h>
#include <xen/features.h>

#include "ketch/ctl.h"

#define HV_MAX_DOMAINS 4096    /* domids 1..HV_MAX_DOMAINS-1 */
#define HV_MAX_VCPUS 64
#define HV_NR_HYPERCALLS 128   /* stubs in the hypercall page */
#define HV_PAGE_SIZE 4096ULL
#define HV_CONSOLE_IN_SIZE 4096

enum hv_flavour { HV_FLAVOUR_VMX, HV_FLAVOUR_SVM, HV_FLAVOUR_PVM, HV_FLAVOUR_OTHER };

struct hv;
struct domain;

/* Receives everything a domain writes with CONSOLEIO_write. */
typedef void (*hv_console_fn)(struct domain *d, const char *buf, size_t len,
			      void *opaque);
/* Told about every domain state change (called with no locks held). */
typedef void (*hv_state_fn)(struct hv *hv, const struct kctl_dominfo *info,
			    void *opaque);

struct vcpu {
	struct domain *d;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	bool online;           /* has a context and may run */
	atomic_bool flush_pending; /* remote TLB flush requested */
	uint64_t cr3;          /* guest page-table base, tracked here */
	clockid_t cpu_clock;
	uint64_t exits;
	struct kvm_regs regs_cache; /* when KVM_CAP_SYNC_REGS is missing */
};

struct hv_hcall_stats {
	atomic_uint_fast64_t calls[HV_NR_HYPERCALLS];
	atomic_uint_fast64_t enosys;
};

struct domain {
	struct hv *hv;
	uint32_t domid;
	atomic_int refs;
	int vmfd;
	int memfd;
	uint8_t *mem;
	uint64_t mem_bytes;
	uint64_t nr_pages;
	unsigned int nr_vcpus;
	struct vcpu vcpus[HV_MAX_VCPUS];
	uint8_t handle[16];

	pthread_mutex_t zap_lock; /* serialises hv_kvm_zap_shadow */
	pthread_mutex_t lock;  /* guards everything below */
	pthread_cond_t cond;   /* state changes: vCPU threads and waiters */
	enum kctl_state state;
	bool paused;
	bool dying;
	int shutdown_reason;   /* SHUTDOWN_* when state is SHUTDOWN */
	int shutdown_code;     /* from SCHEDOP_shutdown_code, -1 if none */
	char crash_reason[512];
	uint64_t hypercall_page_gpa;
	uint64_t hypercall_page_va;

	struct hv_hcall_stats hcalls;
	hv_console_fn console_fn;
	void *console_opaque;
	char console_in[HV_CONSOLE_IN_SIZE];
	size_t console_in_len;

	/* Image kept for crash reports (symbolisation); may be NULL. */
	void *image;
	size_t image_len;
	void *elf_info;        /* struct kb_elf_info * */
};

struct hv {
	int kvm;
	enum hv_flavour flavour;
	bool sync_regs;
	int vcpu_mmap_size;
	pthread_mutex_t lock;  /* guards the domain table */
	struct domain *domains[HV_MAX_DOMAINS];
	uint32_t next_domid;
	hv_state_fn state_fn;
	void *state_opaque;
	int log_level;
};

/* log.c */
void hv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hv_log_set_sink(void (*fn)(const char *line, void *opaque), void *opaque);

/* kvm.c: open /dev/kvm, check capabilities, name the flavour. */
int hv_kvm_open(struct hv *hv);
const char *hv_flavour_name(enum hv_flavour f);
int hv_kvm_create_vm(struct hv *hv, struct domain *d);
int hv_kvm_create_vcpu(struct hv *hv, struct domain *d, struct vcpu *v);
int hv_kvm_zap_shadow(struct domain *d);

/* domain.c: lifecycle and the domain table. */
int hv_init(struct hv *hv);
int domain_create(struct hv *hv, const struct kctl_create *req, uint32_t *domid);
struct domain *domain_get(struct hv *hv, uint32_t domid); /* takes a ref */
void domain_put(struct domain *d);
int domain_pause(struct domain *d);
int domain_unpause(struct domain *d);
int domain_destroy(struct hv *hv, uint32_t domid);
void domain_info(struct domain *d, struct kctl_dominfo *out);
int domain_list(struct hv *hv, uint32_t *ids, int max);
int domain_set_vcpu_context(struct domain *d, unsigned int vcpu,
			    const struct kctl_vcpu_context *ctx);
int domain_hypercall_init(struct domain *d, uint64_t gpa, uint64_t va);
void domain_set_console(struct domain *d, hv_console_fn fn, void *opaque);
int domain_attach_image(struct domain *d, const void *img, size_t len);
/* Called by vCPU threads: shutdown (reason) or crash (formatted reason). */
void domain_shutdown(struct domain *d, int reason);
void domain_crash(struct domain *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Wait until the domain has stopped (shutdown or crashed); 0 or -ETIMEDOUT. */
int domain_wait_stopped(struct domain *d, int timeout_ms);
void domain_notify_state(struct domain *d);

/* boot.c: build and start a guest image inside this process. */
#define HV_FEATURES_SUBMAP0 ((1u << XENFEAT_writable_page_tables) | \
			     (1u << XENFEAT_auto_translated_physmap))
struct hv_boot {
	const void *kernel;
	size_t kernel_len;
	const void *ramdisk;  /* may be NULL */
	size_t ramdisk_len;
	const char *cmdline;  /* may be NULL */
	uint64_t mem_bytes;
	unsigned int vcpus;
	bool paused;          /* leave it paused instead of unpausing */
	hv_console_fn console_fn;
	void *console_opaque;
};
/* Returns 0 and the new domid, or negative errno with a reason in err. */
int hv_boot(struct hv *hv, const struct hv_boot *b, uint32_t *domid, char *err,
	    size_t errlen);

/* vcpu.c: vCPU threads. */
int vcpu_start(struct vcpu *v);
void vcpu_kick(struct vcpu *v);
void vcpu_join(struct vcpu *v);
uint64_t vcpu_cpu_time_ns(struct vcpu *v);
int vcpu_flush_tlb(struct vcpu *v);
int vcpu_set_cr3(struct vcpu *v, uint64_t cr3);
struct kvm_regs *vcpu_regs(struct vcpu *v);
void vcpu_regs_dirty(struct vcpu *v);

/* exit.c: one KVM exit; returns 0 to keep running, <0 to stop the vCPU. */
int exit_handle(struct vcpu *v);
void exit_crash_dump(struct vcpu *v, const char *why);

/* hcpage.c: the hypercall page and the I/O port its stubs use. */
#define HV_HCALL_PORT 0x10
void hcpage_fill(uint8_t *page);
uint64_t hcpage_tss_base(const struct domain *d);

/* guestmem.c: the one checked gateway from guest addresses to host memory. */
int gm_translate(struct vcpu *v, uint64_t va, bool write, uint64_t *gpa);
int gm_copy_from(struct vcpu *v, void *dst, uint64_t va, size_t len);
int gm_copy_to(struct vcpu *v, uint64_t va, const void *src, size_t len);
void *gm_gpa(struct domain *d, uint64_t gpa, size_t len); /* NULL if outside */
/* Locate the leaf PTE mapping va (4 KiB only); returns host pointer or NULL. */
uint64_t *gm_leaf_pte(struct vcpu *v, uint64_t va, int *err);

/* hypercall.c: dispatch. */
typedef long (*hcall_fn)(struct vcpu *v, const uint64_t a[6]);
void hcall_dispatch(struct vcpu *v);
long hc_xen_version(struct vcpu *v, const uint64_t a[6]);
long hc_console_io(struct vcpu *v, const uint64_t a[6]);
long hc_sched_op(struct vcpu *v, const uint64_t a[6]);
long hc_mmuext_op(struct vcpu *v, const uint64_t a[6]);
long hc_update_va_mapping(struct vcpu *v, const uint64_t a[6]);
long hc_set_segment_base(struct vcpu *v, const uint64_t a[6]);
long hc_fpu_taskswitch(struct vcpu *v, const uint64_t a[6]);

/* Guest memory size limits accepted by domain_create. */
#define HV_MIN_MEM (4ULL << 20)
#define HV_MAX_MEM (64ULL << 30)

#endif
