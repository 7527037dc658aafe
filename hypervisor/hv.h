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
#include <xen/vcpu.h>

#include "ketch/ctl.h"

#define HV_MAX_DOMAINS 4096    /* domids 1..HV_MAX_DOMAINS-1 */
#define HV_MAX_VCPUS 64
#define HV_NR_HYPERCALLS 128   /* stubs in the hypercall page */
#define HV_PAGE_SIZE 4096ULL
#define HV_CONSOLE_IN_SIZE 4096
#define HV_EVTCHN_MAX 4096        /* 2-level ABI on x86-64: 64 x 64 ports */
#define HV_EVTCHN_DEFAULT_LIMIT 1024

enum evtchn_state {
	ECS_FREE = 0,
	ECS_RESERVED,     /* port 0, never handed out (as Xen) */
	ECS_UNBOUND,
	ECS_INTERDOMAIN,
	ECS_VIRQ,
	ECS_IPI,
};

struct evtchn {
	uint8_t state;
	uint16_t notify_vcpu;
	uint32_t remote_dom;   /* UNBOUND: who may bind; INTERDOMAIN: peer */
	uint32_t remote_port;  /* INTERDOMAIN */
	uint32_t virq;         /* VIRQ */
	int to_dom0_fd;        /* INTERDOMAIN with domain 0: written on send */
	int from_dom0_fd;      /* INTERDOMAIN with domain 0: polled by ketch-hv */
};

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
	uint64_t cpu_time_final;     /* CPU time when the thread ended */
	uint64_t exits;

	/* Events and blocking (evtchn.c, sched_wait.c). */
	uint64_t vcpu_info_gpa;        /* ~0 until known */
	uint64_t event_callback;       /* CALLBACKTYPE_event, 0 if none */
	uint64_t failsafe_callback;
	pthread_mutex_t wait_lock;
	pthread_cond_t wait_cond;
	bool waiting;                  /* inside SCHEDOP_block/poll */
	bool regs_valid;               /* kvm_run->s.regs holds current state */
	int virq_port[NR_VIRQS];

	bool initialised;              /* has had a context loaded */
	/* set_trap_table (traps.c): a handler per vector, address 0 = none. */
	struct trap_info traps[256];
	/* Guest kernel and user mode (pvmode.c), as Xen's TF_kernel_mode. */
	bool user_mode;                /* running in guest user mode */
	uint64_t cr3_user;             /* MMUEXT_NEW_USER_BASEPTR; 0 = none */
	uint64_t gs_shadow;            /* the other mode's GS base (swapgs) */
	uint64_t kernel_sp, kernel_ss; /* stack_switch: entries from user mode */
	uint64_t syscall_callback;     /* CALLBACKTYPE_syscall, 0 if none */
	bool syscall_masks;            /* its CALLBACKF_mask_events */

	/* Time (time.c, timer.c). */
	struct vcpu *timer_next;       /* hv->timers list, under hv->timer_lock */
	bool timer_linked;
	bool time_valid;               /* vcpu_time_info written once */
	uint64_t timer_deadline;       /* system time ns, 0 = off */
	uint64_t timer_period;         /* ns, 0 = not periodic */
	uint64_t periodic_next;
	uint32_t runstate;             /* RUNSTATE_* */
	uint64_t runstate_entry;
	uint64_t runstate_time[4];
	struct kvm_regs regs_cache; /* when KVM_CAP_SYNC_REGS is missing */

	/* Hypercall preemption (preempt.c). */
	uint64_t hcall_start_ns;       /* when the current guest hypercall began */
	bool cont_pending;             /* re-execute hypercall cont_nr with cont_args */
	unsigned int cont_nr;
	uint64_t cont_args[6];
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
	void *zap_page;        /* behind the zap slot: this domain's, read-only */
	pthread_mutex_t notify_lock; /* held from a state change to its event */
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
	/* Console text into the log (hc_console.c), under lock: a token bucket. */
	uint64_t console_tokens;       /* bytes the domain may still log now */
	uint64_t console_refill_ns;    /* when tokens were last added */
	uint64_t console_dropped;      /* bytes refused since last reported */
	uint64_t console_reported_ns;  /* when drops were last reported */

	/* Event channels (evtchn.c): guarded by evtchn_lock. */
	pthread_mutex_t evtchn_lock;
	struct evtchn *evtchn;
	unsigned int evtchn_limit;
	int global_virq_port[NR_VIRQS];
	uint64_t shared_info_gpa;      /* ~0 until the builder placed it */
	uint64_t wc_base_ns;           /* realtime - monotonic at creation */

	/* Grant table, grant mappings and the physmap (gnttab*.c, balloon.c). */
	struct gnttab *gnt;

	/* The ring-0 entry area (entry.c); NULL where the flavour needs none. */
	struct entry_area *entry;
	/* A classic (not auto-translated) Xen PV guest's extras (xenpv.c); else NULL. */
	struct xenpv *xenpv;

	/*
	 * A clone's copy-on-write memory (mm/mem_share.c).  vCPU threads hold
	 * mem_rw to read from before entry to the end of an exit's handling
	 * (not while blocked), so a share that copies a page into the memfd
	 * and maps it from there, holding it to write, loses no guest write.
	 */
	pthread_rwlock_t mem_rw;
	pthread_mutex_t share_lock;    /* guards cow and cow_pages */
	uint64_t *cow;                 /* bit per page still private; NULL if none */
	uint64_t cow_pages;
	/* KVM's dirty log of RAM while migrating (dirty_log.c), under share_lock. */
	uint64_t *dirty;               /* collected, not yet fetched; NULL: off */

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
	pthread_mutex_t lock;  /* guards the domain table and reaping */
	struct domain *domains[HV_MAX_DOMAINS];
	uint32_t next_domid;
	pthread_cond_t reap_cond;  /* a reaper finished */
	unsigned int reaping;      /* destroys still tearing down */
	hv_state_fn state_fn;
	void *state_opaque;
	int log_level;

	/* timer.c */
	pthread_mutex_t timer_lock;
	pthread_cond_t timer_cond;
	pthread_t timer_thread;
	struct vcpu *timers;
	bool timer_stop;
	/* evtchn_dom0.c */
	int dom0_epoll;
	/* confine.c: false with --no-confine */
	bool confine;
};

/* confine.c */
/* Drop every capability (unless !confine); call before any thread
 * exists, hv_init included.  0 or -errno. */
int hv_confine_early(bool confine);
/* Install the seccomp allow-list once setup is done (logs either way).
 * 0 or a negative errno; the caller must not serve on failure. */
int hv_confine(struct hv *hv);

/* log.c */
void hv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hv_log_set_sink(void (*fn)(const char *line, void *opaque), void *opaque);
#define HV_LOG_LINES 1000    /* lines the log ring keeps */
#define HV_LOG_LINE_MAX 1024 /* bytes kept of each, NUL included */
/*
 * Copy whole lines, oldest first from sequence number `from` (or the oldest
 * kept, if that one is gone), each ending in '\n', into buf (cap bytes).
 * *first is the number of the first line copied, *next the one after the
 * last.  Returns the bytes copied.
 */
size_t hv_log_read(uint64_t from, char *buf, size_t cap, uint64_t *first, uint64_t *next);
/* Forget the lines before sequence number upto (`xl dmesg -c`). */
void hv_log_clear(uint64_t upto);
/* Wait up to timeout_ms until every queued line has been written. */
void hv_log_flush(int timeout_ms);
/* stderr is the log file at path: rename it to path.1 past max_bytes. */
void hv_log_set_file(const char *path, uint64_t max_bytes);
/*
 * Copy len bytes of guest text into out (cap bytes, NUL-terminated) with
 * every byte outside printable ASCII as \xNN, so guest text can neither
 * start a log line of its own nor carry terminal escapes.  Returns the
 * number of input bytes consumed (all of them unless out filled up).
 */
size_t hv_log_escape(char *out, size_t cap, const char *in, size_t len);
/* pthread_create with all signals blocked in the new thread; 0 or errno. */
int hv_thread_create(pthread_t *t, void *(*fn)(void *), void *arg);
/* ts = now + timeout_ms on CLOCK_REALTIME, for pthread_cond_timedwait. */
struct timespec;
void hv_deadline(struct timespec *ts, int timeout_ms);

/* kvm.c: open /dev/kvm, check capabilities, name the flavour. */
int hv_kvm_open(struct hv *hv);
const char *hv_flavour_name(enum hv_flavour f);
int hv_kvm_create_vm(struct hv *hv, struct domain *d);
int hv_kvm_create_vcpu(struct hv *hv, struct domain *d, struct vcpu *v);
/* Drop KVM's shadow translations (a slot at HV_ZAP_GPA added and removed). */
#define HV_ZAP_GPA (1ULL << 39)
int hv_kvm_zap_shadow(struct domain *d);
/* Release the zap slot's page (domain teardown). */
void hv_kvm_zap_free(struct domain *d);

/* domain.c: lifecycle and the domain table. */
int hv_init(struct hv *hv);
int domain_create(struct hv *hv, const struct kctl_create *req, uint32_t *domid);
struct domain *domain_get(struct hv *hv, uint32_t domid); /* takes a ref */
void domain_put(struct domain *d);
int domain_pause(struct domain *d);
int domain_unpause(struct domain *d);
/*
 * Destroy: the domain leaves the table and its vCPUs are told to stop at
 * once; a reaper thread joins them, frees everything and then sends the
 * `dying` state change.  Returns 0 or -ESRCH without waiting.
 */
int domain_destroy(struct hv *hv, uint32_t domid);
/* Wait until every destroy started so far has finished tearing down. */
void domain_reap_wait(struct hv *hv);
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
void domain_notify_state(struct domain *d, enum kctl_state state);

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
	/* OUT: where the builder put the rings and which ports serve them. */
	uint64_t console_gpfn, store_gpfn;
	uint32_t console_port, store_port;
};
/* Returns 0 and the new domid, or negative errno with a reason in err. */
int hv_boot(struct hv *hv, struct hv_boot *b, uint32_t *domid, char *err,
	    size_t errlen);

/* mem_share.c: clones' copy-on-write memory (docs/save-migrate.md). */
int mem_image_map(struct domain *d, int image_fd, uint64_t image_bytes);
/* image_fd becomes d's memfd (its RAM mapped shared from it); d must be
 * untouched, as for mem_image_map.  Takes image_fd on success. */
int mem_image_adopt(struct domain *d, int image_fd, uint64_t image_bytes);
int mem_share(struct domain *d, uint64_t first, uint64_t count, uint64_t *left);
int mem_share_from_vcpu(struct vcpu *v, uint64_t pfn);
void mem_discard(struct domain *d, uint64_t first, uint64_t count);
int dirty_log_set(struct domain *d, bool on);
int dirty_log_fetch(struct domain *d, uint64_t first, struct kctl_dirty *out);
void mem_share_init(struct domain *d);
void mem_share_free(struct domain *d);

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
/* Log v's registers (v must be out of KVM_RUN: paused or stopped). */
void exit_log_state(struct vcpu *v, const char *why);
/* Crash v's domain with a report of the given state (entry_trap's frame). */
void exit_crash_report(struct vcpu *v, const char *why, const struct kvm_regs *r,
		       const struct kvm_sregs *s);

/* hcpage.c: the hypercall page and the I/O ports its stubs use. */
#define HV_HCALL_PORT 0x10
#define HV_DOORBELL_PORT 0x11 /* EVTCHNOP_send fast path: data = port */
void hcpage_fill(uint8_t *page);
uint64_t hcpage_tss_base(const struct domain *d);
/* Offset in the page of the `ret` ending the EVTCHNOP_send fast path. */
uint64_t hcpage_send_ret_offset(void);

/* guestmem.c: the one checked gateway from guest addresses to host memory. */
int gm_translate(struct vcpu *v, uint64_t va, bool write, uint64_t *gpa);
int gm_copy_from(struct vcpu *v, void *dst, uint64_t va, size_t len);
int gm_copy_to(struct vcpu *v, uint64_t va, const void *src, size_t len);
void *gm_gpa(struct domain *d, uint64_t gpa, size_t len); /* NULL if outside */
/* Locate the leaf PTE mapping va (4 KiB only); returns host pointer or NULL. */
uint64_t *gm_leaf_pte(struct vcpu *v, uint64_t va, int *err);

/*
 * preempt.c: every guest-controlled loop in a hypercall calls
 * hc_preempt_check between units of work; when it says so, the handler
 * records a continuation with hc_continue and returns.  The vCPU then
 * leaves the hypercall (pause, destroy, events and other work take
 * effect) and re-executes it from its stub with the recorded arguments,
 * as Xen's hypercall_create_continuation does.
 */
#define HV_HCALL_SLICE_NS 1000000ULL /* longest a hypercall runs unpreempted */
/* True when v must leave its hypercall now: it is being stopped, or its slice is used. */
bool hc_preempt_check(struct vcpu *v);
/* Re-execute hypercall nr with args a once v leaves; returns 0 for the handler. */
long hc_continue(struct vcpu *v, unsigned int nr, const uint64_t a[6]);
/*
 * The batch of mmu_update and mmuext_op (hc_mmu.c): a[0] the list of
 * entries of size bytes, a[1] their count (at most max; Xen's
 * MMU_UPDATE_PREEMPTED marks a continuation), a[2] where the count done
 * goes, a[3] the foreign domain (self only).  Calls one per entry,
 * preemptible between entries.
 */
long hc_mmu_batch(struct vcpu *v, const uint64_t a[6], unsigned int nr, size_t size,
		  uint32_t max, long (*one)(struct vcpu *, const void *));
/* Take a continuation recorded by a nested call (multicall); false if none. */
bool hc_take_continuation(struct vcpu *v, uint64_t a[6]);

/* hypercall.c: dispatch. */
typedef long (*hcall_fn)(struct vcpu *v, const uint64_t a[6]);
void hcall_dispatch(struct vcpu *v);
/* The same for a call made by `syscall` at syscall_rip (the guest is
 * already back in ring 3 past it); a continuation re-executes it. */
void hcall_dispatch_syscall(struct vcpu *v, uint64_t syscall_rip);
/* Run hypercall nr with arguments a (used by multicall); -ENOSYS if none. */
long hcall_invoke(struct vcpu *v, uint64_t nr, const uint64_t a[6]);
long hc_event_channel_op(struct vcpu *v, const uint64_t a[6]);
long hc_callback_op(struct vcpu *v, const uint64_t a[6]);
long hc_set_callbacks(struct vcpu *v, const uint64_t a[6]);
long hc_iret(struct vcpu *v, const uint64_t a[6]);
long hc_vcpu_op(struct vcpu *v, const uint64_t a[6]);
long hc_set_timer_op(struct vcpu *v, const uint64_t a[6]);
long hc_multicall(struct vcpu *v, const uint64_t a[6]);
long hc_xen_version(struct vcpu *v, const uint64_t a[6]);
long hc_console_io(struct vcpu *v, const uint64_t a[6]);
/*
 * Log what console_io text d dropped and has not reported yet: at most
 * once a second unless now (destroy), so reports cannot flood either.
 */
void console_report_dropped(struct domain *d, bool now);
#define HV_CONSOLE_LOG_RATE 8192   /* bytes/s a domain may put in the log */
#define HV_CONSOLE_LOG_BURST 32768 /* and at once */
long hc_sched_op(struct vcpu *v, const uint64_t a[6]);
long hc_mmuext_op(struct vcpu *v, const uint64_t a[6]);
long hc_mmu_update(struct vcpu *v, const uint64_t a[6]);
long hc_update_va_mapping(struct vcpu *v, const uint64_t a[6]);
long hc_set_segment_base(struct vcpu *v, const uint64_t a[6]);
long hc_fpu_taskswitch(struct vcpu *v, const uint64_t a[6]);

/* shinfo.c: shared_info / vcpu_info and raising events (Xen 2-level rules). */
shared_info_t *shinfo(struct domain *d);
vcpu_info_t *vcpu_info_of(struct vcpu *v);
void vcpu_mark_events_pending(struct vcpu *v);
void evtchn_raise(struct domain *d, unsigned int port, unsigned int vcpu);
void evtchn_unmask_port(struct domain *d, unsigned int port, unsigned int vcpu);
bool evtchn_is_pending(struct domain *d, unsigned int port);
bool vcpu_events_pending(struct vcpu *v);

/* evtchn.c, evtchn_ops.c, evtchn_dom0.c: ports. */
int evtchn_init(struct domain *d, unsigned int limit);
bool evtchn_valid(struct domain *d, uint32_t port);
int evtchn_alloc_port(struct domain *d);
void evtchn_lock2(struct domain *a, struct domain *b);
void evtchn_unlock2(struct domain *a, struct domain *b);
int evtchn_close(struct domain *d, uint32_t port);
int evtchn_send(struct domain *d, uint32_t port);
void evtchn_send_virq(struct vcpu *v, unsigned int virq);
void evtchn_teardown(struct domain *d);
void evtchn_free(struct domain *d);
/* Allocate an unbound port of d that domain `remote` may bind. */
int evtchn_alloc_unbound(struct domain *d, uint32_t remote, uint32_t *port);
int evtchn_dom0_start(struct hv *hv);
int evtchn_dom0_bind(struct domain *d, uint32_t port, int *to_dom0, int *from_dom0);
void evtchn_dom0_release(struct domain *d, unsigned int port);
int evtchn_dom0_notify_fd(struct domain *d, uint32_t port, int *fd);
int evtchn_dom0_unbind(struct domain *d, uint32_t port);
void evtchn_doorbell_exit(struct vcpu *v, uint32_t port);

/* sched_wait.c: blocking and waking. */
uint64_t hv_now_ns(void);
void vcpu_wait_init(struct vcpu *v);
void vcpu_wake(struct vcpu *v);
void vcpu_wake_pollers(struct domain *d);
void vcpu_event_kick(struct vcpu *v);
long sched_block(struct vcpu *v);
long sched_poll(struct vcpu *v, uint64_t arg_va);

/* traps.c: the trap table and exception bounces (entry area hosts only). */
long hc_set_trap_table(struct vcpu *v, const uint64_t a[6]);
/*
 * Exception vec (error code ec; cr2 for #PF) raised by guest code whose
 * state is r: emulate it (priv_op.c) or bounce it to the guest's handler,
 * updating r to where the guest continues.  0, or -1 when the guest has
 * no handler (r untouched; the caller reports the crash), or -2 when the
 * bounce frame could not be written (the domain has been crashed).
 */
int traps_deliver(struct vcpu *v, unsigned int vec, uint64_t ec, uint64_t cr2,
		  struct kvm_regs *r);
/* pvmode.c: guest kernel and user mode (entry area hosts only). */
/* Switch v between guest kernel and user mode: page table, GS bases; 0 or -1. */
int pvmode_toggle(struct vcpu *v);
struct pv_bounce {
	uint64_t entry;      /* the guest kernel's handler */
	uint64_t rip;        /* where the interrupted code resumes */
	const uint64_t *ec;  /* an error code for the frame, or NULL */
	bool mask_events;    /* set the upcall mask */
};
/*
 * Enter the guest kernel at b->entry with Xen's bounce frame (from user
 * mode: in kernel mode first, on the stack_switch stack), updating r.
 * 0, or -1 with *bad_sp the stack that could not take the frame (or 0
 * when the mode switch failed); the caller crashes the domain.
 */
int pv_bounce(struct vcpu *v, struct kvm_regs *r, const struct pv_bounce *b,
	      uint64_t *bad_sp);
long hc_stack_switch(struct vcpu *v, const uint64_t a[6]);
/* MMUEXT_NEW_USER_BASEPTR: 0 clears it; -EINVAL outside RAM or off the entry area. */
long pvmode_new_user_baseptr(struct vcpu *v, uint64_t gpfn);
/* Read guest memory (code at rip) through the table of the mode v runs in. */
int pvmode_read_code(struct vcpu *v, uint64_t va, void *buf, size_t len);
/* May `int n` with a trap-table entry of this DPL reach it (Xen's rule)? */
bool pvmode_permit_softint(const struct vcpu *v, unsigned int dpl);
/* priv_op.c: privileged instructions at CPL3 handled as Xen does; true if done. */
bool priv_op_emulate(struct vcpu *v, unsigned int vec, uint64_t ec, struct kvm_regs *r);
/* kvm.c: the ring-3 code and stack segments every guest runs on. */
void hv_kvm_ring3_segments(struct kvm_sregs *s);

/* upcall.c */
/* Where v resumes once the hypercall it exited for has returned (past the stub's `out`). */
uint64_t hcall_resume_rip(struct vcpu *v, const struct kvm_regs *r);
int upcall_deliver(struct vcpu *v);
/* CS as bounce frames carry it for a guest in kernel mode (Xen's rule). */
uint64_t kernel_cs(const struct domain *d);
int upcall_check(struct vcpu *v);

/* time.c, timer.c */
struct vcpu_runstate_info;
void time_update_vcpu(struct vcpu *v);
void time_init_domain(struct domain *d);
void vcpu_runstate(struct vcpu *v, uint32_t state);
void vcpu_runstate_info(struct vcpu *v, struct vcpu_runstate_info *out);
int timer_start(struct hv *hv);
void timer_set(struct vcpu *v, uint64_t deadline);
void timer_set_periodic(struct vcpu *v, uint64_t period);
void timer_remove_domain(struct domain *d);

/* vcpu.c: context and online state. */
int vcpu_load_context(struct vcpu *v, const struct kctl_vcpu_context *c);
void vcpu_set_online(struct vcpu *v, bool online);
bool vcpu_stopping(struct vcpu *v);

/* domain_ops.c */
int domain_set_shared_info(struct domain *d, uint64_t gpa);

/* domain_suspend.c: save and restore (control thread only). */
/* vCPU id of a shut-down or crashed domain, its threads joined; -EBUSY if running. */
int domain_vcpu_get(struct domain *d, unsigned int id, struct kctl_vcpu_state *out);
/* Load a saved context and callbacks into a paused domain's vCPU. */
int domain_vcpu_restore(struct domain *d, const struct kctl_vcpu_state *in);
/* A domain shut down for suspend goes on, paused, seeing 1 returned; -EINVAL otherwise. */
int domain_resume(struct domain *d);
/* d's ports in use from first on (KCTL_EVTCHN_LIST_MAX at most). */
int evtchn_list(struct domain *d, uint32_t first, struct kctl_evtchn_list *out);

/* gnttab.c, gnttab_ops.c, hc_memory.c: grant tables and memory ops. */
int gnttab_init(struct domain *d);     /* 0 or -ENOMEM */
void gnttab_teardown(struct domain *d); /* unmap every grant d has mapped */
void gnttab_free(struct domain *d);    /* after the last reference */
/* Destroyed but still mapped by others: free every frame nobody maps. */
void physmap_release_unmapped(struct domain *d);
/* The table's frames for control-domain grant libraries. */
int gnttab_info(struct domain *d, struct kctl_gnttab_info *out);
long hc_grant_table_op(struct vcpu *v, const uint64_t a[6]);
long hc_memory_op(struct vcpu *v, const uint64_t a[6]);

/* Guest memory size limits accepted by domain_create. */
#define HV_MIN_MEM (4ULL << 20)
#define HV_MAX_MEM (64ULL << 30)

#endif
