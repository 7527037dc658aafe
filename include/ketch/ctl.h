/*
 * The ketch-hv control protocol: the one boundary between the hypervisor and
 * control-domain processes (the role of Xen's domctl/sysctl and privcmd).
 * Framed request/response over a Unix stream socket, host byte order, fixed
 * structs.  Every field is marked IN (client -> ketch-hv) or OUT.
 * Documented in docs/control-protocol.md; bump KCTL_VERSION on any change.
 */
#ifndef KETCH_CTL_H
#define KETCH_CTL_H

#include <stdint.h>

#define KCTL_MAGIC 0x4b43544cu /* "KCTL" */
#define KCTL_VERSION 1
#define KCTL_MAX_PAYLOAD 4096  /* larger requests are refused */
#define KCTL_DEFAULT_SOCKET "/run/ketch/hv.sock"

enum kctl_op {
	KCTL_OP_HELLO = 1,          /* kctl_hello -> kctl_hello */
	KCTL_OP_CREATE = 2,         /* kctl_create -> kctl_domid */
	KCTL_OP_DESTROY = 3,        /* kctl_domid */
	KCTL_OP_PAUSE = 4,          /* kctl_domid */
	KCTL_OP_UNPAUSE = 5,        /* kctl_domid */
	KCTL_OP_GETINFO = 6,        /* kctl_domid -> kctl_dominfo */
	KCTL_OP_LIST = 7,           /* -> kctl_list */
	KCTL_OP_MAP_MEMORY = 8,     /* kctl_domid -> kctl_mem + memfd (SCM_RIGHTS) */
	KCTL_OP_SET_VCPU = 9,       /* kctl_set_vcpu */
	KCTL_OP_HYPERCALL_INIT = 10,/* kctl_hypercall_init */
	KCTL_OP_SUBSCRIBE = 11,     /* connection becomes an event stream */
	KCTL_OP_SET_IMAGE = 12,     /* kctl_domid + ELF image follows in chunks */
	KCTL_OP_HV_INFO = 14,       /* -> kctl_hv_info */
	KCTL_OP_SET_SHARED_INFO = 15, /* kctl_shared_info */
	KCTL_OP_EVTCHN_ALLOC_UNBOUND = 16, /* kctl_evtchn_alloc -> kctl_evtchn_port */
	KCTL_OP_EVTCHN_BIND = 17,   /* kctl_evtchn_port -> eventfd: guest -> dom0 */
	KCTL_OP_EVTCHN_NOTIFY_FD = 18, /* kctl_evtchn_port -> eventfd: dom0 -> guest */
	KCTL_OP_EVTCHN_UNBIND = 19, /* kctl_evtchn_port */
	KCTL_OP_GNTTAB_INFO = 20,   /* kctl_domid -> kctl_gnttab_info */
	KCTL_OP_VCPU_INFO = 21,     /* kctl_domid -> kctl_vcpu_info */
	KCTL_OP_HV_LOG = 22,        /* kctl_log_req -> kctl_log */
	KCTL_OP_VCPU_GET = 23,      /* kctl_vcpu_get -> kctl_vcpu_state (stopped domain) */
	KCTL_OP_VCPU_RESTORE = 24,  /* kctl_vcpu_state (paused domain) */
	KCTL_OP_RESUME = 25,        /* kctl_domid: a suspended domain goes on, paused */
	KCTL_OP_EVTCHN_LIST = 26,   /* kctl_evtchn_list_req -> kctl_evtchn_list */
	KCTL_OP_GNTTAB_FRAMES = 27, /* kctl_domid -> kctl_gnttab_frames + memfd */
	KCTL_OP_MEM_IMAGE_NEW = 28, /* kctl_mem_image_new -> kctl_mem + memfd */
	KCTL_OP_MEM_IMAGE_USE = 29, /* kctl_domid: RAM copy-on-write from the image */
	KCTL_OP_MEM_IMAGE_DROP = 30,/* no payload */
	KCTL_OP_MEM_SHARE = 31,     /* kctl_mem_share -> kctl_mem_share */
	KCTL_OP_DIRTY_LOG = 32,     /* kctl_dirty_req -> kctl_dirty (FETCH) */
	KCTL_OP_MEM_IMAGE_ADOPT = 33, /* kctl_domid: the image becomes the domain's memory */
	KCTL_OP_MAX
};

/* Every message starts with this header; len counts the payload after it. */
struct kctl_hdr {
	uint32_t magic;   /* KCTL_MAGIC */
	uint16_t version; /* KCTL_VERSION */
	uint16_t op;      /* enum kctl_op; KCTL_OP_EVENT in pushed events */
	uint32_t req_id;  /* echoed in the response */
	int32_t status;   /* OUT: 0 or a negative errno (host values) */
	uint32_t len;     /* payload bytes, <= KCTL_MAX_PAYLOAD */
	uint32_t pad;
};

#define KCTL_OP_EVENT 0x8000 /* op of a pushed state-change event */
/*
 * op of an error reply to a request whose header could not be accepted
 * (bad magic/version, oversized, unknown op) or to a refused peer.  Carries
 * only a status.  After -EPROTO, -EMSGSIZE and -EACCES the server closes.
 */
#define KCTL_OP_ERROR 0x8001

#define KCTL_MAX_DOMIDS 1000         /* entries in struct kctl_list */
#define KCTL_MAX_IMAGE (64u << 20)   /* SET_IMAGE total size limit */

/* HELLO: both sides state their protocol version. */
struct kctl_hello {
	uint32_t version; /* IN: client's KCTL_VERSION; OUT: server's */
	uint32_t pid;     /* OUT: process id of ketch-hv */
};

enum kctl_state {
	KCTL_STATE_PAUSED = 1,   /* created, or paused by the toolstack */
	KCTL_STATE_RUNNING = 2,
	KCTL_STATE_BLOCKED = 3,  /* every vCPU waiting for an event */
	KCTL_STATE_SHUTDOWN = 4, /* shutdown_reason holds SHUTDOWN_* */
	KCTL_STATE_CRASHED = 5,
	KCTL_STATE_DYING = 6,
};

struct kctl_domid {
	uint32_t domid; /* IN */
	uint32_t pad;
};

struct kctl_create {
	uint64_t mem_bytes; /* IN: multiple of 4 KiB, 4 MiB .. 64 GiB */
	uint32_t vcpus;     /* IN: 1 .. 64 */
	uint32_t flags;     /* IN: 0 */
	uint8_t handle[16]; /* IN: UUID reported by XENVER_guest_handle */
};

struct kctl_dominfo {
	uint32_t domid;           /* OUT */
	uint32_t state;           /* OUT: enum kctl_state */
	int32_t shutdown_reason;  /* OUT: SHUTDOWN_* or -1 */
	int32_t shutdown_code;    /* OUT: SCHEDOP_shutdown_code value or -1 */
	uint64_t mem_bytes;       /* OUT */
	uint32_t vcpus;           /* OUT */
	uint32_t vcpus_online;    /* OUT */
	uint64_t cpu_time_ns;     /* OUT: sum over vCPUs */
	uint64_t hypercalls;      /* OUT: total hypercalls */
	uint64_t hypercalls_enosys; /* OUT: calls answered -ENOSYS */
	uint8_t handle[16];       /* OUT */
	char crash_reason[256];   /* OUT: NUL-terminated, "" unless crashed */
};

struct kctl_list {
	uint32_t count;  /* OUT */
	uint32_t pad;
	uint32_t domids[KCTL_MAX_DOMIDS]; /* OUT: first `count` valid */
};

struct kctl_mem {
	uint64_t mem_bytes; /* OUT: size of the memfd passed alongside */
};

/*
 * Clones share memory (docs/save-migrate.md): MEM_IMAGE_NEW gives the
 * connection a fresh memory image, a memfd of mem_bytes the caller fills
 * at guest-physical offsets and then unmaps; MEM_IMAGE_USE seals it and
 * maps a new, never-run domain of that size copy-on-write from it (pages
 * are copied only when the guest or ketch-hv writes them);
 * MEM_IMAGE_DROP, a later MEM_IMAGE_NEW or closing the connection lets it
 * go (the domains using it keep it).  Such a domain's memfd holds only
 * the pages made "shared": MEM_SHARE copies count pages from first_pfn
 * into the memfd and maps them from there, so a process reaching guest
 * memory through the memfd (a backend, ketchd) sees and changes what the
 * guest does.  count 0 only reports; first_pfn 0 with count ~0 shares all.
 * MEM_IMAGE_ADOPT instead makes the (unsealed) image the never-run
 * domain's own memory, shared, as its memfd: a live migration's target
 * writes the pages it receives into an image and builds the domain on
 * it, with no copy.  The image leaves the connection; it is sealed
 * against shrinking and growing, and whoever still holds it can write
 * the guest's memory, as any holder of a domain's memfd.
 */
struct kctl_mem_image_new {
	uint64_t mem_bytes;   /* a domain size CREATE accepts */
};

struct kctl_mem_share {
	uint32_t domid;
	uint32_t pad;
	uint64_t first_pfn, count;
	uint64_t private_pages; /* OUT: pages still copy-on-write afterwards */
};

/*
 * Live migration's pre-copy rounds: DIRTY_LOG START has KVM log the
 * guest's writes to its RAM, STOP ends that, and FETCH returns which pages
 * were written since they were last fetched, KCTL_DIRTY_CHUNK pages per
 * reply from first_pfn (a multiple of KCTL_DIRTY_CHUNK; a fetch from 0
 * first collects KVM's log).  Only the guest's own writes are logged:
 * what ketch-hv and the backends write is not (docs/save-migrate.md says
 * how a migration catches those).
 */
enum { KCTL_DIRTY_START = 1, KCTL_DIRTY_STOP = 2, KCTL_DIRTY_FETCH = 3 };
#define KCTL_DIRTY_WORDS ((KCTL_MAX_PAYLOAD - 16) / 8)
#define KCTL_DIRTY_CHUNK (KCTL_DIRTY_WORDS * 64)

struct kctl_dirty_req {
	uint32_t domid;
	uint32_t cmd;          /* KCTL_DIRTY_* */
	uint64_t first_pfn;    /* FETCH */
};

struct kctl_dirty {
	uint64_t first_pfn;    /* OUT */
	uint32_t nr_pages;     /* OUT: pages the bits cover (fewer at the end of RAM) */
	uint32_t pad;
	uint64_t bits[KCTL_DIRTY_WORDS]; /* OUT: bit i: page first_pfn + i written */
};

/* Register state a vCPU starts with (x86-64, CPL3 as the ABI doc says). */
struct kctl_vcpu_context {
	uint64_t rip, rsp, rflags, cr3;
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t fs_base, gs_base;
};

struct kctl_set_vcpu {
	uint32_t domid; /* IN */
	uint32_t vcpu;  /* IN */
	struct kctl_vcpu_context ctx; /* IN */
};

struct kctl_hypercall_init {
	uint32_t domid; /* IN */
	uint32_t pad;
	uint64_t gpa;   /* IN: page-aligned guest-physical address */
	uint64_t va;    /* IN: guest virtual address the guest calls it at */
};

/* SET_IMAGE: payload = kctl_image_chunk header + bytes (chunked). */
struct kctl_image_chunk {
	uint32_t domid;   /* IN */
	uint32_t pad;
	uint64_t total;   /* IN: whole image size (<= KCTL_MAX_IMAGE) */
	uint64_t offset;  /* IN: where this chunk goes; chunks come in order */
};

/* Where the builder put the domain's shared_info page. */
struct kctl_shared_info {
	uint32_t domid; /* IN */
	uint32_t pad;
	uint64_t gpa;   /* IN: page-aligned guest-physical address */
};

/* Allocate an unbound port in domid that remote_dom (0: us) may bind. */
struct kctl_evtchn_alloc {
	uint32_t domid;      /* IN */
	uint32_t remote_dom; /* IN */
};

struct kctl_evtchn_port {
	uint32_t domid; /* IN (OUT for ALLOC_UNBOUND) */
	uint32_t port;  /* IN (OUT for ALLOC_UNBOUND) */
};

/* Where a domain's grant-table frames are (for control-domain backends). */
#define KCTL_GNT_MAX_FRAMES 32
struct kctl_gnttab_info {
	uint32_t domid;       /* OUT */
	uint32_t nr_frames;   /* OUT: frames placed (entries = 512 each) */
	uint32_t max_frames;  /* OUT */
	uint32_t pad;
	uint64_t nr_pages;    /* OUT: RAM frames (memfd size / 4 KiB) */
	uint64_t gpfn[KCTL_GNT_MAX_FRAMES]; /* OUT: frame i's gpfn, ~0 unplaced */
};

/*
 * The hypervisor-owned frames of a classic Xen PV domain (shared_info and
 * the grant frames GNTTABOP_setup_table placed outside its RAM): frame
 * first_gpfn + i is page i of the memfd that comes with the reply.
 */
struct kctl_gnttab_frames {
	uint32_t domid;       /* OUT */
	uint32_t nr_frames;   /* OUT: pages in the memfd */
	uint64_t first_gpfn;  /* OUT: the gpfn of its first page */
};

/* One vCPU as VCPU_INFO reports it. */
struct kctl_vcpu_record {
	uint32_t vcpu;        /* OUT: vCPU id */
	uint32_t online;      /* OUT: 1 once it has a context and may run */
	uint32_t runstate;    /* OUT: RUNSTATE_* (xen/vcpu.h); offline unless
			       * online, runnable while the domain is paused */
	uint32_t pad;
	uint64_t cpu_time_ns; /* OUT: host CPU time of its thread */
};

#define KCTL_MAX_VCPU_RECORDS 64 /* = the hypervisor's vCPU limit */
struct kctl_vcpu_info {
	uint32_t domid;    /* OUT */
	uint32_t nr_vcpus; /* OUT: records valid in vcpu[] */
	struct kctl_vcpu_record vcpu[KCTL_MAX_VCPU_RECORDS]; /* OUT */
};

/* HV_LOG: ketch-hv's own log, from its ring of recent lines. */
struct kctl_log_req {
	uint64_t from;  /* IN: sequence number of the first line wanted (0: oldest) */
	uint32_t clear; /* IN: 1: afterwards forget every line up to reply's next */
	uint32_t pad;
};

#define KCTL_LOG_TEXT (KCTL_MAX_PAYLOAD - 24)
struct kctl_log {
	uint64_t first; /* OUT: number of the first line in text (> from if lost) */
	uint64_t next;  /* OUT: ask from here next; == first when nothing new */
	uint32_t len;   /* OUT: bytes of text: whole lines, each ending in '\n' */
	uint32_t pad;
	char text[KCTL_LOG_TEXT]; /* OUT: first len bytes valid, no NUL */
};

/* VCPU_GET: one vCPU of a stopped domain, as save and restore need it. */
struct kctl_vcpu_get {
	uint32_t domid; /* IN */
	uint32_t vcpu;  /* IN */
};

/*
 * A vCPU's whole context for save and restore: the registers as the guest
 * will see them once its pending hypercall has returned (rip past the
 * call, rax its result) and the callbacks it registered.
 */
struct kctl_vcpu_state {
	uint32_t domid;  /* IN (VCPU_RESTORE), OUT (VCPU_GET) */
	uint32_t vcpu;   /* IN/OUT */
	uint32_t online; /* IN/OUT: 0 leaves the vCPU down (RESTORE ignores the rest) */
	uint32_t pad;
	struct kctl_vcpu_context ctx;  /* IN/OUT */
	uint64_t event_callback;       /* IN/OUT: CALLBACKTYPE_event, 0 if none */
	uint64_t failsafe_callback;    /* IN/OUT */
};

/* EVTCHN_LIST: a domain's ports in use, from `first` on. */
struct kctl_evtchn_list_req {
	uint32_t domid; /* IN */
	uint32_t first; /* IN: lowest port wanted */
};

struct kctl_evtchn_entry {
	uint32_t port;        /* OUT */
	uint8_t state;        /* OUT: 2 unbound, 3 interdomain, 4 VIRQ, 5 IPI */
	uint8_t pad;
	uint16_t vcpu;        /* OUT: the vCPU it notifies */
	uint32_t remote_dom;  /* OUT: unbound: who may bind; interdomain: the peer */
	uint32_t remote_port; /* OUT: interdomain: the peer's port; VIRQ: the VIRQ */
};

#define KCTL_EVTCHN_LIST_MAX 250
struct kctl_evtchn_list {
	uint32_t domid;  /* OUT */
	uint32_t count;  /* OUT: entries valid */
	uint32_t next;   /* OUT: ask from here for more; 0 when there are no more */
	uint32_t pad;
	struct kctl_evtchn_entry port[KCTL_EVTCHN_LIST_MAX]; /* OUT: ascending */
};

struct kctl_hv_info {
	char flavour[16];     /* OUT: "vmx", "svm", "pvm" */
	uint32_t nr_domains;  /* OUT */
	uint32_t max_vcpus;   /* OUT */
	uint64_t version;     /* OUT: KCTL_VERSION */
	uint32_t features;    /* OUT: XENFEAT_* submap 0 offered to guests */
	uint32_t pad;
};

#endif
