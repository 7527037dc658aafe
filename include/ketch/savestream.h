/*
 * The save stream: what `ketch save` writes and `ketch restore` reads.  A
 * versioned, self-describing sequence of typed records in the manner of
 * Xen's migration stream v2.  Every integer is little-endian.  The format
 * is documented record by record in docs/save-migrate.md; bump
 * KS_VERSION on any incompatible change.
 *
 *   header  : magic[8] "KETCHSAV", u32 version, u32 flags (0)
 *   record  : u32 type, u32 length, body[length], zero padding to 8 bytes
 *   order   : DOMAIN, then PAGES/VCPU/EVTCHN/GNTTAB/XENSTORE in any order,
 *             then END (CRC-32 of every byte before it), then end of file.
 *
 * A record type with KS_REC_OPTIONAL set may be skipped by a reader that
 * does not know it; any other unknown type is refused.
 */
#ifndef KETCH_SAVESTREAM_H
#define KETCH_SAVESTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KS_MAGIC "KETCHSAV"
#define KS_VERSION 1
#define KS_HEADER_LEN 16
#define KS_PAGE 4096u

#define KS_REC_DOMAIN 1u
#define KS_REC_PAGES 2u
#define KS_REC_VCPU 3u
#define KS_REC_EVTCHN 4u
#define KS_REC_GNTTAB 5u
#define KS_REC_XENSTORE 6u
#define KS_REC_END 7u
#define KS_REC_OPTIONAL 0x80000000u

/* Limits a reader enforces (a writer stays inside them). */
#define KS_MAX_RECORD (KS_PAGES_MAX * (KS_PAGE + 8) + 8)
#define KS_PAGES_MAX 1024u          /* pages per PAGES record */
#define KS_MIN_MEM (4ull << 20)
#define KS_MAX_MEM (64ull << 30)
#define KS_MAX_VCPUS 64u
#define KS_MAX_CONFIG 65536u        /* bytes of the config JSON */
#define KS_MAX_PORTS 4096u
#define KS_MAX_GNT_FRAMES 32u
#define KS_MAX_XS_NODES 10000u
#define KS_MAX_XS_VALUE 4096u
#define KS_MAX_XS_PATH 256u

#define KS_ERRLEN 256

/* DOMAIN: the domain as it was, and what the toolstack needs to rebuild it. */
struct ks_domain {
	uint64_t mem_bytes;          /* 4 MiB .. 64 GiB, a multiple of 4 KiB */
	uint32_t vcpus;              /* 1 .. 64 */
	uint32_t config_len;         /* bytes of config (no NUL in the stream) */
	uint8_t uuid[16];
	uint64_t start_info_pfn;     /* what the guest passed in rdx on suspend */
	uint64_t shared_info_gpa;    /* page-aligned, inside RAM */
	uint64_t hypercall_page_gpa; /* page-aligned, inside RAM */
	uint64_t hypercall_page_va;
	const char *config;          /* the toolstack's JSON config, NUL-terminated here */
};

/* PAGES: count guest frames and their 4 KiB contents. */
struct ks_pages {
	uint32_t count;              /* 1 .. KS_PAGES_MAX */
	const uint64_t *pfn;         /* count frame numbers, each < nr_pages */
	const uint8_t *data;         /* count * 4096 bytes */
};

/* VCPU: one vCPU's context as the suspend hypercall returns to it. */
struct ks_vcpu {
	uint32_t id;
	uint32_t online;             /* 0 or 1 */
	uint64_t rip, rsp, rflags, cr3;
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t fs_base, gs_base;
	uint64_t event_callback, failsafe_callback;
};
#define KS_VCPU_BODY (8 + 24 * 8)

/* EVTCHN: the domain's ports at save time (a resumed guest binds again). */
struct ks_port {
	uint32_t port;
	uint8_t state;               /* enum evtchn_state of ketch-hv: 2..5 */
	uint8_t pad;
	uint16_t vcpu;
	uint32_t remote_dom;
	uint32_t remote_port;        /* the peer's port, or the VIRQ number */
};
struct ks_evtchn {
	uint32_t count;              /* 0 .. KS_MAX_PORTS */
	struct ks_port *ports;       /* decoded; ascending, unique port numbers */
};

/* GNTTAB: where the guest's grant-table frames were placed. */
struct ks_gnttab {
	uint32_t nr_frames;          /* 0 .. KS_MAX_GNT_FRAMES */
	uint64_t gpfn[KS_MAX_GNT_FRAMES];
};

/* XENSTORE: nodes of the domain's home, paths relative to it. */
struct ks_xs_node {
	const char *path;            /* relative, no "." or ".." components */
	const char *value;
};
struct ks_xenstore {
	uint32_t count;
	struct ks_xs_node *nodes;
};

struct ks_record {
	uint32_t type;               /* KS_REC_* */
	union {
		struct ks_domain domain;
		struct ks_pages pages;
		struct ks_vcpu vcpu;
		struct ks_evtchn evtchn;
		struct ks_gnttab gnttab;
		struct ks_xenstore xenstore;
	} u;
};

/* Where a reader's bytes come from: returns bytes read (0 at the end) or -errno. */
typedef ssize_t (*ks_read_fn)(void *opaque, void *buf, size_t len);

struct ks_reader {
	ks_read_fn read;
	void *opaque;
	uint32_t crc;                /* of every byte consumed so far */
	uint64_t offset;             /* bytes consumed */
	uint8_t *body;               /* the current record's body */
	size_t body_cap;
	void *decoded;               /* arrays a record decoded into */
	bool seen_domain, seen_end, seen_evtchn, seen_gnttab, seen_xenstore;
	uint64_t nr_pages;
	uint32_t vcpus;
	uint8_t *pfn_seen;           /* bitmap: a frame given twice is refused */
	uint64_t vcpu_seen;          /* bitmap */
	uint64_t pages_total;        /* frames read so far */
};

/*
 * Start reading a stream: check the header (magic, version, flags).
 * 0, or a negative errno with err (KS_ERRLEN bytes) saying what is wrong:
 * -EPROTO not a save file, -EPROTONOSUPPORT a newer version.
 */
int ks_reader_init(struct ks_reader *r, ks_read_fn fn, void *opaque, char *err);
/*
 * The next record, checked and decoded into rec (valid until the next
 * call).  Returns 1 with a record, 0 after END when its checksum matched
 * and nothing follows, or a negative errno with err set: -EBADMSG for a
 * malformed or out-of-order record, a bad checksum or trailing bytes,
 * -ENODATA for a stream that ends early, or the read function's error.
 */
int ks_reader_next(struct ks_reader *r, struct ks_record *rec, char *err);
/* Free what the reader holds. */
void ks_reader_free(struct ks_reader *r);
/* A read function over a file descriptor (opaque points at the int). */
ssize_t ks_read_fd(void *opaque, void *buf, size_t len);
/* A read function over memory (opaque is a struct ks_membuf). */
struct ks_membuf {
	const uint8_t *data;
	size_t len, pos;
};
ssize_t ks_read_mem(void *opaque, void *buf, size_t len);
/* Read a whole stream; 0 when it is valid, else as ks_reader_next. */
int ks_verify(ks_read_fn fn, void *opaque, char *err);

/* Writer: records to an fd, with the running checksum.  Functions return 0 or -errno. */
struct ks_writer {
	int fd;
	uint32_t crc;
	uint64_t bytes;
	/* Or instead of fd (when sink is set): bytes to a callback (tests, fuzz seeds). */
	int (*sink)(void *opaque, const void *buf, size_t len);
	void *sink_opaque;
};
int ks_write_header(struct ks_writer *w);
int ks_write_domain(struct ks_writer *w, const struct ks_domain *d);
int ks_write_pages(struct ks_writer *w, uint32_t count, const uint64_t *pfn,
		   const uint8_t *data);
int ks_write_vcpu(struct ks_writer *w, const struct ks_vcpu *v);
int ks_write_evtchn(struct ks_writer *w, const struct ks_evtchn *e);
int ks_write_gnttab(struct ks_writer *w, const struct ks_gnttab *g);
int ks_write_xenstore(struct ks_writer *w, const struct ks_xenstore *x);
int ks_write_end(struct ks_writer *w);
/* Any record as raw bytes (tests write malformed ones with it). */
int ks_write_record(struct ks_writer *w, uint32_t type, const void *body, uint32_t len);

#endif
