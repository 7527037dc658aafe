/*
 * libketchctl: the client library of the ketch-hv control socket
 * (include/ketch/ctl.h, docs/control-protocol.md), and the message framing
 * both ends of that socket share.  Every function returns 0 (or a count)
 * on success and a negative errno on failure; nothing sets errno for you.
 */
#ifndef KETCH_KETCHCTL_H
#define KETCH_KETCHCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ketch/builder.h"
#include "ketch/ctl.h"

/* ---- Framing (shared by ketch-hv and clients) ---------------------------- */

/*
 * Validate a received header without reading anything else.  Returns 0,
 * -EPROTO for a bad magic or version, -EMSGSIZE when len exceeds
 * KCTL_MAX_PAYLOAD, -EOPNOTSUPP when op is 0, past KCTL_OP_MAX (other than
 * KCTL_OP_EVENT/KCTL_OP_ERROR) or unassigned.  Checked in that order.
 */
int kctl_hdr_check(const struct kctl_hdr *h);

/*
 * Payload sizes accepted for op: requests for client ops, what a client
 * accepts for KCTL_OP_EVENT (a kctl_dominfo) and KCTL_OP_ERROR (nothing).
 * Fills [*min, *max] and returns 0, or -EOPNOTSUPP for an unknown op.
 */
int kctl_payload_size(uint16_t op, size_t *min, size_t *max);

/* Fill a header: magic, version, op, req_id, status, len; pad zeroed. */
void kctl_hdr_init(struct kctl_hdr *h, uint16_t op, uint32_t req_id,
		   int32_t status, uint32_t len);

/*
 * Send one frame (h, then h->len bytes of payload) on a stream socket,
 * with pass_fd attached by SCM_RIGHTS when pass_fd >= 0.  Loops over short
 * writes and EINTR; never raises SIGPIPE.  flags is OR-ed into sendmsg's
 * (MSG_DONTWAIT for a caller that must not block: then -EAGAIN means the
 * frame may have been cut and the stream must be closed).  Returns 0 or a
 * negative errno.
 */
int kctl_send(int fd, const struct kctl_hdr *h, const void *payload,
	      int pass_fd, int flags);

/*
 * Receive one frame: the header (validated with kctl_hdr_check), then its
 * payload into buf (capacity cap).  Blocks; loops over short reads and
 * EINTR.  A descriptor passed with SCM_RIGHTS is stored in *fd_out (-1 if
 * none; closed if fd_out is NULL).  Returns 0; -ECONNRESET on EOF before
 * the first byte; -EPROTO on EOF inside a frame or a bad header magic or
 * version; -EMSGSIZE if the payload exceeds cap or KCTL_MAX_PAYLOAD;
 * other negative errnos from recvmsg.  After an error the stream is out
 * of step and should be closed.
 */
int kctl_recv(int fd, struct kctl_hdr *h, void *buf, size_t cap, int *fd_out);

/* ---- Client handle ------------------------------------------------------- */

struct kctl;

/*
 * Connect to ketch-hv at path (NULL: $KETCH_HV_SOCKET, else
 * KCTL_DEFAULT_SOCKET) and perform the HELLO version handshake.  Returns
 * the handle, or NULL with *err set (err may be NULL): -ENOENT/-ECONNREFUSED
 * when nothing listens, -EACCES when refused, -EPROTO on a version mismatch.
 * A handle may be used from several threads: calls are serialised.
 */
struct kctl *kctl_open(const char *path, int *err);
/*
 * kctl_open whose every exchange (the handshake included) gives up after
 * timeout_ms (<= 0: never) with -ETIMEDOUT, so one stuck request cannot
 * stall the caller.  A late reply would put the stream out of step, so
 * after a timeout (or any transport error) the handle connects again on
 * its next call.
 */
struct kctl *kctl_open_timeout(const char *path, int timeout_ms, int *err);

/* Close the connection.  Domains it created keep existing.  NULL is a no-op. */
void kctl_close(struct kctl *h);

/* The server's process id, as told in HELLO. */
uint32_t kctl_server_pid(const struct kctl *h);

/*
 * A short human text for a control-socket status: the protocol's meaning
 * of each errno (e.g. -ESRCH "no such domain"), else strerror.
 */
const char *kctl_strerror(int err);

/* Create a paused domain (mem_bytes: 4 KiB multiple, 4 MiB..64 GiB; vcpus
 * 1..64; handle: 16-byte UUID or NULL).  Stores its id in *domid. */
int kctl_create(struct kctl *h, uint64_t mem_bytes, uint32_t vcpus,
		const uint8_t handle[16], uint32_t *domid);
/* Destroy a domain in any state.  -ESRCH if unknown. */
int kctl_destroy(struct kctl *h, uint32_t domid);
/* Pause a running domain: -EALREADY if paused, -ESHUTDOWN if stopped. */
int kctl_pause(struct kctl *h, uint32_t domid);
/* Run a paused domain: -EALREADY if running, -ESHUTDOWN if stopped,
 * -ENOEXEC if vCPU 0 has no context yet. */
int kctl_unpause(struct kctl *h, uint32_t domid);
/* Current state and counters of a domain. */
int kctl_getinfo(struct kctl *h, uint32_t domid, struct kctl_dominfo *info);
/* Each vCPU of a domain (online, runstate, CPU time); -ESRCH if unknown. */
int kctl_vcpu_info(struct kctl *h, uint32_t domid, struct kctl_vcpu_info *info);
/* Store up to max domain ids (ascending) in ids; returns how many the
 * server reported, which may exceed max but never KCTL_MAX_DOMIDS (the
 * lowest KCTL_MAX_DOMIDS ids when more exist), or a negative errno. */
int kctl_list(struct kctl *h, uint32_t *ids, int max);
/* Facts about the hypervisor. */
int kctl_hv_info(struct kctl *h, struct kctl_hv_info *info);
/* ketch-hv's log lines from sequence number `from` on, as many as fit in
 * one reply (log->len bytes of text; ask again from log->next).  With
 * clear, the lines returned (and any before them) are forgotten. */
int kctl_hv_log(struct kctl *h, uint64_t from, bool clear, struct kctl_log *log);

/*
 * Map a domain's whole guest-physical memory (shared, read-write) into this
 * process.  Stores the address and size; release with kctl_unmap_memory.
 * The mapping stays valid after the domain is destroyed (the memory is
 * freed when the last mapping goes).
 */
int kctl_map_memory(struct kctl *h, uint32_t domid, void **ptr, uint64_t *size);
/* Undo kctl_map_memory. */
int kctl_unmap_memory(void *ptr, uint64_t size);

/*
 * Copy-on-write memory for clones (ctl.h's MEM_IMAGE_*): a new image of
 * mem_bytes, mapped here read-write for the caller to fill (unmap it
 * with kctl_unmap_memory before the first kctl_mem_image_use); a paused,
 * never-run domain of that size given the image as its memory; the
 * connection's image let go.
 */
int kctl_mem_image_new(struct kctl *h, uint64_t mem_bytes, void **ptr);
/* The same image as its memfd (the caller closes it), to write with pwrite
 * or hand to another process; and the image made a never-run domain's
 * own memory (MEM_IMAGE_ADOPT): shared, no copy, the image leaves the
 * connection.  Map the domain's memory only afterwards. */
int kctl_mem_image_new_fd(struct kctl *h, uint64_t mem_bytes, int *fd);
int kctl_mem_image_adopt(struct kctl *h, uint32_t domid);
int kctl_mem_image_use(struct kctl *h, uint32_t domid);
int kctl_mem_image_drop(struct kctl *h);
/*
 * Make count pages from first_pfn reachable through domid's memfd (see
 * MEM_SHARE; count ~0 from 0: all).  Stores in *private_pages (may be
 * NULL) how many pages are still copy-on-write: 0 for every domain not
 * made from an image, which then never needs this call.
 */
int kctl_mem_share(struct kctl *h, uint32_t domid, uint64_t first_pfn, uint64_t count,
		   uint64_t *private_pages);

/*
 * KVM's log of the guest's own writes (ctl.h's DIRTY_LOG): start, stop,
 * and fetch-and-clear into bitmap (a bit per page, nr_pages bits, the
 * caller's buffer of (nr_pages + 63) / 64 words, bits ORed in).
 */
int kctl_dirty_log(struct kctl *h, uint32_t domid, bool on);
int kctl_dirty_fetch(struct kctl *h, uint32_t domid, uint64_t nr_pages, uint64_t *bitmap);

/* Set a vCPU's start-of-day registers (domain must be paused: -EBUSY if
 * running, -ESHUTDOWN if stopped; -EINVAL for a bad vCPU or context). */
int kctl_set_vcpu(struct kctl *h, uint32_t domid, uint32_t vcpu,
		  const struct kctl_vcpu_context *ctx);
/* Fill the hypercall page at gpa, which the guest calls at va (paused only). */
int kctl_hypercall_init(struct kctl *h, uint32_t domid, uint64_t gpa, uint64_t va);
/* Hand the kernel ELF image to ketch-hv for crash-report symbols (sent in
 * chunks; len <= KCTL_MAX_IMAGE, else -EFBIG; -ENOEXEC if not an ELF). */
int kctl_set_image(struct kctl *h, uint32_t domid, const void *img, size_t len);

/* ---- Booting a domain ---------------------------------------------------- */

#define KCTL_ERRLEN 256

/*
 * What kctl_boot needs (all IN) and what it set up for the toolstack to
 * connect (all OUT) are the builder's boot spec and info: kctl_boot is
 * kb_boot (include/ketch/builder.h) over control-socket requests.  The
 * spec's features are asked of ketch-hv, whatever the caller put there.
 */
#define kctl_boot_spec kb_boot_spec
#define kctl_boot_info kb_boot_info

/*
 * Create a domain and start it the way `ketch-hv run` does: map its
 * memory, build it (libketchbuild), fill the hypercall page, hand over the
 * image, set vCPU 0 and unpause.  Stores the id in *domid.  On failure the
 * half-built domain is destroyed and err (may be NULL) holds a sentence
 * saying which step failed and why (the builder's own text for bad images).
 */
int kctl_boot(struct kctl *h, const struct kctl_boot_spec *spec,
	      uint32_t *domid, struct kctl_boot_info *info, char err[KCTL_ERRLEN]);

/* ---- Event channels and shared_info --------------------------------------- */

/* Tell ketch-hv where the builder put domid's shared_info page. */
int kctl_set_shared_info(struct kctl *h, uint32_t domid, uint64_t gpa);
/*
 * Allocate an unbound port in domid that remote_dom may bind (0: the
 * control domain, which then uses kctl_evtchn_bind).  -ESRCH for an
 * unknown domain, -ENOSPC when domid has no free port.
 */
int kctl_evtchn_alloc_unbound(struct kctl *h, uint32_t domid, uint32_t remote_dom,
			      uint32_t *port);
/*
 * Become the control-domain end of domid's unbound port (remote 0).  Read
 * 8 bytes from *from_guest when it is readable: the guest sent.  Write an
 * 8-byte 1 to *to_guest to send to the guest.  Both are eventfds the
 * caller closes; a guest's send reaches *from_guest without passing
 * through any ketch-hv thread.  -EBUSY if the port is not unbound to 0.
 */
int kctl_evtchn_bind(struct kctl *h, uint32_t domid, uint32_t port,
		     int *from_guest, int *to_guest);
/* Give up the control-domain end; the guest's port becomes unbound again. */
int kctl_evtchn_unbind(struct kctl *h, uint32_t domid, uint32_t port);

/* ---- Grant tables (for libketchgnt, include/ketch/gntaccess.h) ----------- */

/*
 * A descriptor of domid's guest memory (the memfd, shared read-write) and
 * its size.  The caller closes it.  Backends reach guest pages only
 * through libketchgnt, which checks each grant before touching a page.
 */
int kctl_memory_fd(struct kctl *h, uint32_t domid, int *fd, uint64_t *size);
/* Where domid's grant-table frames are.  -ESRCH for an unknown domain. */
int kctl_gnttab_info(struct kctl *h, uint32_t domid, struct kctl_gnttab_info *info);
/*
 * A memfd of domid's hypervisor-owned frames (a classic Xen PV domain's
 * grant frames outside its RAM) and where they sit: *fd, which the caller
 * closes.  -ENOENT for a domain without such frames, -ESRCH for none.
 */
int kctl_gnttab_frames(struct kctl *h, uint32_t domid, struct kctl_gnttab_frames *out, int *fd);

/* ---- Save and restore (docs/save-migrate.md) ----------------------------- */

/*
 * vCPU vcpu of a domain that has stopped (shut down, e.g. for suspend, or
 * crashed), as the guest will see it once its pending hypercall has
 * returned.  -EBUSY while the domain runs or is merely paused.
 */
int kctl_vcpu_get(struct kctl *h, uint32_t domid, uint32_t vcpu,
		  struct kctl_vcpu_state *out);
/* Load a saved context and its callbacks into a paused domain (st->online 1). */
int kctl_vcpu_restore(struct kctl *h, const struct kctl_vcpu_state *st);
/*
 * A domain shut down with SHUTDOWN_suspend goes on where it was, paused:
 * its SCHEDOP_shutdown returns 1 on vCPU 0 (a cancelled suspend).
 * -EINVAL if it is not suspended.  Unpause it afterwards.
 */
int kctl_resume(struct kctl *h, uint32_t domid);
/* domid's ports in use from first on; out->next says where to go on (0: done). */
int kctl_evtchn_list(struct kctl *h, uint32_t domid, uint32_t first,
		     struct kctl_evtchn_list *out);

/* ---- Event stream -------------------------------------------------------- */

struct kctl_events;

/*
 * Open a second connection that receives a kctl_dominfo for every domain
 * state change from now on (path as for kctl_open).  NULL with *err set on
 * failure.  A subscriber that stops reading is dropped by the server.
 */
struct kctl_events *kctl_subscribe(const char *path, int *err);
/*
 * kctl_subscribe whose handshake gives up after timeout_ms (<= 0: never);
 * an event frame that stalls half-read ends the stream (-ECONNRESET).
 */
struct kctl_events *kctl_subscribe_timeout(const char *path, int timeout_ms, int *err);
/* Descriptor to poll for readability. */
int kctl_events_fd(const struct kctl_events *ev);
/*
 * Wait up to timeout_ms (-1: forever) for the next event.  Returns 0 with
 * *info filled, -ETIMEDOUT, or -ECONNRESET if the server closed the stream.
 */
int kctl_next_event(struct kctl_events *ev, struct kctl_dominfo *info,
		    int timeout_ms);
/* Close the stream.  NULL is a no-op. */
void kctl_events_close(struct kctl_events *ev);

/* Name of an enum kctl_state value ("paused", "running", ...). */
const char *kctl_state_name(uint32_t state);
/* Name of a SHUTDOWN_* reason ("poweroff", "reboot", ...), "-" for -1. */
const char *kctl_shutdown_name(int32_t reason);

#endif
