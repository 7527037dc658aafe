/*
 * ketchd.h - the daemon's shared state.  One thread (the loop in loop.c)
 * owns everything here: requests from every connection, ketch-hv's state
 * events and console notifications are handled in turn by that thread, so
 * nothing below is locked.
 */
#ifndef KETCHD_KETCHD_H
#define KETCHD_KETCHD_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <xen/io/console.h>

#include "config.h"
#include "ketch/ketchctl.h"

#define KD_DEFAULT_SOCKET "/run/ketch/ketchd.sock"
#define KD_DEFAULT_LOG_DIR "/var/log/ketch"

struct xs_handle;

/* Console eventfds are registered as KD_CONSOLE_TAG | domid (a domain may
 * be freed while its event waits in a batch); everything else by pointer. */
#define KD_CONSOLE_TAG (1ULL << 63)
#define KD_PTY_TAG (1ULL << 62) /* with KD_CONSOLE_TAG: the domain's pty master */
/* A migration child's ctl socket, edge-triggered: its event only wakes
 * the loop, which reads every child's messages each time round. */
#define KD_MIG_TAG (1ULL << 61)

/* What an epoll registration points at. */
enum kd_watch_type { KD_W_LISTEN, KD_W_CONN, KD_W_HVEVENTS, KD_W_CONSOLE, KD_W_SIGNAL,
		     KD_W_MIGRATE };
struct kd_watch {
	enum kd_watch_type type;
	void *obj;
};

struct kd_console {
	void *mem;
	uint64_t mem_size;
	struct xencons_interface *intf;
	int from_guest, to_guest; /* eventfds from kctl_evtchn_bind */
	uint32_t port;
	int log_fd;
	uint64_t log_size;
	char *log_path;
	bool broken;
	int pty_master, pty_slave; /* -1 without a pty; the slave keeps it alive */
	char *pty_path;            /* /dev/pts/N, or NULL */
};

struct kd;

/* A device's place in xenstore (xs_device.c). */
struct kd_xsdev {
	const char *kind; /* "vbd", "vif": the directories' name */
	uint32_t domid;
	uint32_t devid;
};

/*
 * A device's backend process as ketchd supervises it, disks' and vifs'
 * alike (backend_proc.c): restarted with backoff while its domain runs,
 * detached in xl's order (Closing, frontend Closed, remove).
 */
struct kd_backend {
	struct kd_xsdev xs;        /* its xenstore nodes; kind and devid name it in the log */
	const char *label;         /* the disk's vdev, logged beside its devid; NULL for a vif */
	const char *prog;          /* "ketch-blkback", "ketch-netback": for the log */
	/* Runs the backend in the forked child of dev (the device holding this); never returns. */
	void (*exec)(struct kd *kd, const void *dev);
	const void *dev;
	pid_t pid;                 /* the running backend; 0 while none */
	int64_t started_ms;
	int64_t restart_at_ms;     /* when to start it again; 0 if not scheduled */
	unsigned int backoff_ms;   /* the next restart's delay */
	unsigned int restarts;     /* for block_list, network_list and the log */
	/* a detach in progress */
	bool detaching;
	int64_t detach_deadline_ms;
	struct kd_conn *waiter;    /* owed the reply; NULL if it went away */
	struct json_object *waiter_id;
};

/*
 * One PV disk of a domain: ketchd holds the image open and locked for as
 * long as the disk is attached (so the lock outlives a backend crash) and
 * runs one ketch-blkback for it, restarted with backoff if it dies.
 */
struct kd_vbd {
	struct kd_vbd *next;
	struct kd_disk disk;
	uint32_t domid;
	int image_fd;              /* flock()ed: LOCK_EX read-write, LOCK_SH read-only */
	struct kd_backend back;    /* its ketch-blkback */
	/* The lock is still held by a backend of this image being stopped (a
	 * reboot, a re-create): its backend starts once the lock is ours. */
	bool lock_pending;
	int64_t lock_deadline_ms;
	/* What the image is served as; a format other than raw goes through a
	 * qemu-storage-daemon exporting it over NBD on nbd_sock (vbd_nbd.c). */
	enum kd_fmt format;
	/* A qcow2 image's backing files, each held open with flock(LOCK_SH):
	 * read beneath it, so no disk may write them while it lives. */
	int backing_fd[KD_CHAIN_MAX];
	unsigned int nbacking;
	char *nbd_sock;            /* NULL for raw */
	char *qsd_file, *qsd_fmt;  /* its --blockdev options (JSON) */
};

/*
 * One PV network interface of a domain: one ketch-netback serves it,
 * restarted with backoff if it dies (the TAP goes and comes back with it).
 */
struct kd_vif {
	struct kd_vif *next;
	struct kd_nic nic;
	uint32_t domid;
	struct kd_backend back;    /* its ketch-netback */
};

/* A backend told to stop, killed if it has not exited by kill_at_ms. */
struct kd_child {
	struct kd_child *next;
	pid_t pid;
	int64_t kill_at_ms;
	dev_t dev;  /* its image, so a new disk of it waits for the lock */
	ino_t ino;
};

#define KD_VBD_BACKOFF_MIN_MS 100
#define KD_VBD_BACKOFF_MAX_MS 5000
#define KD_VBD_STABLE_MS 30000     /* a backend up this long resets its backoff */
#define KD_VBD_STOP_GRACE_MS 5000  /* SIGTERM, then SIGKILL after this long */
#define KD_VBD_POLL_MS 100         /* how often a detach looks at the frontend */
#define KD_VBD_LOCK_POLL_MS 50     /* how often a disk waiting for its lock tries */

struct kd_save_job;
struct kd_mig_out;
struct kd_mig_in;

struct kd_domain {
	struct kd_domain *next;
	uint32_t domid;
	struct kd_config cfg;
	uint32_t state;          /* enum kctl_state, last event seen */
	int32_t shutdown_reason;
	struct kctl_boot_info boot;
	struct kd_console *con;
	struct kd_vbd *vbds;     /* its disks (vbd.c) */
	struct kd_vif *vifs;     /* its network interfaces (vif.c) */
	bool introduced;         /* xenstored accepted INTRODUCE */
	int pending;             /* -1, or the SHUTDOWN_* reason asked of the guest */
	int64_t deadline_ms;     /* when a pending request falls back */
	int64_t start_ms;
	int64_t created_ms;      /* wall clock (CLOCK_REALTIME) at creation */
	/* Restarts by policy in the current window, to stop a crash loop. */
	unsigned int restarts;
	int64_t restart_window_ms;
	struct kd_save_job *save; /* a save waiting for the guest to suspend (save.c) */
	struct kd_mig_out *mig;   /* its migration away from here (migrate.c) */
};

#define KD_RESTART_MAX 10          /* restarts by policy ... */
#define KD_RESTART_WINDOW_MS 60000 /* ... within this long, then destroy */

enum kd_conn_mode { KD_CONN_REQUEST, KD_CONN_EVENTS, KD_CONN_CONSOLE };

struct kd_conn {
	struct kd_watch w;
	struct kd_conn *next;
	int fd;
	enum kd_conn_mode mode;
	uint32_t console_domid;
	char in[65536];
	size_t in_len;
	char *out;
	size_t out_len, out_cap;
	bool closing; /* close once out is flushed */
	bool waiting; /* a reply is deferred (block_detach): later lines wait */
	bool resume;  /* the deferred reply went: handle the lines that waited */
	bool dead;
};

struct kd_opts {
	const char *socket, *hv_socket, *xenstore, *log_dir;
	const char *state_dir; /* NULL: domains do not outlive ketchd */
	const char *blkback;   /* the ketch-blkback program */
	const char *netback;   /* the ketch-netback program */
	bool create_bridge;    /* a vif's missing bridge is created (--create-bridge) */
	const char *backend_user; /* backends run as this user once set up; NULL: root */
	uint64_t console_log_max;
	int shutdown_timeout_s;
	int hv_timeout_s;      /* each ketch-hv request gives up after this */
	const char *migrate_listen; /* ADDR:PORT incoming migrations connect to, or NULL */
	const char *migrate_key;    /* the key file both ends of a migration hold */
	int migrate_timeout_s; /* a migration peer silent this long has failed */
};

struct kd {
	struct kd_opts opt;
	struct kctl *hv;
	struct kctl_events *ev;
	struct xs_handle *xs;
	int epfd, listen_fd, sig_fd;
	struct kd_watch listen_w, ev_w, sig_w;
	struct kd_domain *domains;
	struct kd_conn *conns;
	struct kd_child *stopping; /* backends told to stop, not yet reaped */
	struct kd_mig_in *mig_in;  /* migrations arriving (migrate.c) */
	int mig_fd;                /* --migrate-listen's socket, or -1 */
	struct kd_watch mig_w;
	uint8_t mig_key[4096];
	size_t mig_klen;           /* 0: no key, no migration either way */
	bool stop;
};

/* ---- log.c ---- */
void kd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int64_t kd_now_ms(void);
/* CLOCK_REALTIME in ms: survives a ketchd restart, unlike kd_now_ms. */
int64_t kd_wall_ms(void);

/* ---- domain.c: the domain table and lifecycle ---- */
/* Find by id (a decimal string) or name; NULL if unknown. */
struct kd_domain *kd_domain_lookup(struct kd *kd, const char *key);
struct kd_domain *kd_domain_by_id(struct kd *kd, uint32_t domid);
struct kd_domain *kd_domain_by_name(struct kd *kd, const char *name);
/* 0, or duplicate_name / duplicate_uuid when a domain holds either. */
int kd_domain_check_unique(struct kd *kd, const char *name, const uint8_t *uuid,
			   struct kd_error *err);
/*
 * Build and start a domain from a validated config (ownership of cfg
 * passes to ketchd on success and on failure).  Leaves it paused when
 * paused is set.  Returns 0 with *out set, or -errno with err filled.
 */
int kd_domain_create(struct kd *kd, struct kd_config *cfg, bool paused,
		     struct kd_domain **out, struct kd_error *err);
/*
 * As kd_domain_create, with the domain built in ketch-hv by build (paused,
 * d->domid and d->boot filled; on failure it leaves nothing in ketch-hv)
 * instead of from the config's kernel: restore builds from a save file.
 */
typedef int (*kd_build_fn)(struct kd *kd, struct kd_domain *d, void *arg,
			   struct kd_error *err);
int kd_domain_create_with(struct kd *kd, struct kd_config *cfg, bool paused,
			  kd_build_fn build, void *arg, struct kd_domain **out,
			  struct kd_error *err);
/* Release the domain everywhere (console, xenstore, ketch-hv) and free it. */
void kd_domain_destroy(struct kd *kd, struct kd_domain *d);
/* Destroy and build again from the same config (same name and uuid).  A
 * domain restarted KD_RESTART_MAX times within KD_RESTART_WINDOW_MS is
 * only destroyed (-ELOOP): a guest that crashes at once must not spin. */
int kd_domain_restart(struct kd *kd, struct kd_domain *d);
/* The domain as the API reports it (info from ketch-hv when reachable). */
struct json_object *kd_domain_json(struct kd *kd, struct kd_domain *d);
/* The command line the guest gets: console=ring added unless console= is set. */
char *kd_domain_cmdline(const struct kd_config *cfg);

/* ---- lifecycle.c: hv events, shutdown requests, on_* policies ---- */
/* Handle every queued ketch-hv state event. */
void kd_lifecycle_hv_events(struct kd *kd);
/* Ask the guest to power off or reboot (reason SHUTDOWN_*) with a deadline. */
int kd_lifecycle_request(struct kd *kd, struct kd_domain *d, int reason,
			 int timeout_s, struct kd_error *err);
/* A domain found stopped (state info i): carry out its on_* policy. */
void kd_lifecycle_stopped(struct kd *kd, struct kd_domain *d, const struct kctl_dominfo *i);
/* Apply fallbacks whose deadline passed; returns ms to the next one or -1. */
int kd_lifecycle_timers(struct kd *kd);

/* ---- save.c, save_write.c, restore.c, restore_build.c (docs/save-migrate.md) ---- */
enum kd_save_mode {
	KD_SAVE_DESTROY,    /* as xl save: the domain is gone afterwards */
	KD_SAVE_CHECKPOINT, /* -c: it goes on running (its suspend returns 1) */
	KD_SAVE_PAUSED,     /* -p: it is left paused, resumable */
	KD_SAVE_SNAPSHOT,   /* snapshot: as CHECKPOINT, and it goes on in disk overlays */
	KD_SAVE_MIGRATE,    /* the last round of a migration: migrate.c takes over */
};
/* mem_scan.c: a domain's memory, mapped, and the runs of frames its memfd
 * holds (the rest are holes: zeros, never read, so never allocated). */
struct kd_guest_mem {
	int fd;
	uint8_t *mem;
	uint64_t size;
};
int kd_guest_mem_open(struct kd *kd, uint32_t domid, struct kd_guest_mem *g);
void kd_guest_mem_close(struct kd_guest_mem *g);
/* The next run [*f, *end) of frames holding data, from *f on; false if none. */
bool kd_guest_mem_run(const struct kd_guest_mem *g, uint64_t *f, uint64_t *end);

/* progress.c: "progress" events while a save or restore runs. */
struct kd_progress {
	struct kd *kd;         /* NULL: nothing is sent */
	const char *op, *file, *unit;
	uint32_t domid;
	char name[64];         /* "" until the domain is known */
	uint64_t total;        /* in unit */
	int64_t t0_ms, last_ms;
	int round;             /* a migration's round, or -1 */
};
void kd_progress_begin(struct kd_progress *p, struct kd *kd, const char *op,
		       const char *file, const struct kd_domain *d, uint64_t total,
		       const char *unit);
/* done of total, bytes moved; last: the final event, sent whatever the rate. */
void kd_progress_update(struct kd_progress *p, uint64_t done, uint64_t bytes, bool last);

struct kd_save_stats {
	uint64_t pages;    /* memory pages written */
	uint64_t bytes;    /* size of the stream */
	int64_t ms;        /* from the suspend request to the end */
	struct json_object *disks; /* a snapshot's overlays (owned), or NULL */
	struct kd_progress progress; /* events while the file is written or read */
};
/*
 * Ask d to suspend (control/shutdown = suspend) for a save to path and
 * return at once; kd_save_timers follows it, writes the file once the
 * guest has suspended (or gives up after timeout_s, changing nothing),
 * destroys or resumes it as mode says, and replies to c (may be NULL),
 * echoing id.  c waits meanwhile; the loop does not.  0, or -errno with
 * err set (nothing started).
 */
int kd_save_start(struct kd *kd, struct kd_domain *d, const char *path,
		  enum kd_save_mode mode, int timeout_s, struct kd_conn *c,
		  struct json_object *id, struct kd_error *err);
/* Saves whose guest has answered or whose time is up; ms to the next poll, or -1. */
int kd_save_timers(struct kd *kd);
/* d goes (destroyed, restarted): its save, if any, fails with domain_stopped. */
void kd_save_abandon(struct kd *kd, struct kd_domain *d);
/* c hung up: its saves go on, unanswered. */
void kd_save_conn_gone(struct kd *kd, struct kd_conn *c);
/* The reply to a save (api_save.c): its figures, or err when r is not 0. */
void kd_api_save_reply(struct kd *kd, struct kd_conn *c, struct json_object *id, int r,
		       const struct kd_save_stats *st, const struct kd_error *err);
/* Write the stream of the suspended d to fd. */
int kd_save_write(struct kd *kd, struct kd_domain *d, int fd, struct kd_save_stats *st,
		  struct kd_error *err);
/* The same without PAGES: what a migration's last round adds to the memory. */
int kd_save_write_state(struct kd *kd, struct kd_domain *d, int fd, struct kd_save_stats *st,
			struct kd_error *err);

/* ---- migrate*.c: live migration (docs/save-migrate.md) ---- */
struct kd_migrate_stats {
	unsigned int rounds;   /* live rounds (the last, after the suspend, not counted) */
	uint64_t pages;        /* pages sent, every round */
	uint64_t bytes;        /* bytes sent */
	uint64_t last_pages;   /* pages sent while the guest was suspended */
	int64_t ms;            /* from the request to the end */
	int64_t downtime_ms;   /* from the guest's suspend to the target's "running" */
	uint32_t target_domid;
};
/* Start migrating d to host:port (a child does the sending); replies to c
 * when over.  0, or -errno with err set (nothing started). */
int kd_migrate_start(struct kd *kd, struct kd_domain *d, const char *host, const char *port,
		     int timeout_s, struct kd_conn *c, struct json_object *id,
		     struct kd_error *err);
/* save.c: d, being migrated, has suspended (r 0) or will not (r, e). */
void kd_migrate_suspended(struct kd *kd, struct kd_domain *d, int r, const struct kd_error *e);
void kd_migrate_abandon(struct kd *kd, struct kd_domain *d);
/* migrate_disk.c: d suspended: stop its disks' backends and let go of their
 * images' locks; or (the migration failed) take them back. */
void kd_migrate_release_disks(struct kd *kd, struct kd_domain *d);
void kd_migrate_retake_disks(struct kd *kd, struct kd_domain *d);
void kd_migrate_conn_gone(struct kd *kd, struct kd_conn *c);
/* Both directions' children's messages, read each time round the loop
 * (their sockets wake it); -1: no timer of migrate.c's. */
int kd_migrate_timers(struct kd *kd);
/* --migrate-listen's socket (kd->mig_fd, -1 without it); its connections. */
int kd_migrate_listen(struct kd *kd);
void kd_migrate_accept(struct kd *kd);
/* api_save.c: the reply; a progress event for the domain. */
void kd_api_migrate_reply(struct kd *kd, struct kd_conn *c, struct json_object *id, int r,
			  const struct kd_migrate_stats *st, const struct kd_error *err);
void kd_migrate_progress(struct kd *kd, struct kd_domain *d, unsigned int round,
			 uint64_t pages, uint64_t bytes, uint64_t left);
/*
 * Create a domain from the save file at path: the whole file is checked
 * first, so a bad one creates nothing ("invalid_save").  name, if not
 * NULL, replaces the saved name (and the domain gets a new uuid).  Left
 * paused when paused is set.
 */
int kd_restore(struct kd *kd, const char *path, const char *name, bool paused,
	       struct kd_domain **out, struct kd_save_stats *st, struct kd_error *err);
/* As kd_restore, for a migration's target: the stream holds no pages,
 * the memory image on connection image holds them, and becomes the
 * domain's memory (restore.h's kd_restore_src). */
int kd_restore_image(struct kd *kd, const char *path, struct kctl *image, const char *name,
		     bool paused, struct kd_domain **out, struct kd_save_stats *st,
		     struct kd_error *err);
#define KD_CLONE_MAX 64
/*
 * count (1..KD_CLONE_MAX) domains from the save file at path, each with
 * a fresh identity: named name (count 1) or name-1 .. name-count, a new
 * uuid, new MACs, and a qcow2 overlay on each writable disk's image
 * (kd_overlay_name, tagged with the clone's name).  Everything is checked
 * before anything is made; on failure nothing is left.  out gets count
 * domains, running unless paused.
 */
int kd_clone(struct kd *kd, const char *path, const char *name, unsigned int count,
	     bool paused, struct kd_domain **out, struct kd_save_stats *st, struct kd_error *err);
/* The build step of a restore: arg is the open struct kd_restore_src. */
int kd_restore_build(struct kd *kd, struct kd_domain *d, void *arg, struct kd_error *err);

/* ---- overlay.c, snapshot_disk.c: a snapshot's disks ---- */
/* A qcow2 overlay at path (which must not exist) on base, served as fmt:
 * base by its absolute path, its format recorded.  0, or -errno with err
 * set ("overlay_exists", "overlay_failed") and nothing left at path. */
int kd_overlay_create(const char *base, enum kd_fmt fmt, const char *path,
		      struct kd_error *err);
struct kd_snapshot_disk {
	struct kd_vbd *v;
	char *path; /* its overlay */
	int fd;     /* the overlay, open read-write and flock()ed exclusively */
};
struct kd_snapshot {
	struct kd_snapshot_disk disk[KD_DISKS_MAX];
	unsigned int n;
};
/* Before the suspend: can every writable disk of d take an overlay for
 * a snapshot to file (none exists yet, a backend runs)?  0 or -errno. */
int kd_snapshot_check(struct kd *kd, struct kd_domain *d, const char *file,
		      struct kd_error *err);
/* d suspended: an overlay for each writable disk, opened and locked; on
 * failure none is left.  0 or -errno with err set. */
int kd_snapshot_prepare(struct kd *kd, struct kd_domain *d, const char *file,
			struct kd_snapshot *s, struct kd_error *err);
/* The file was not written: the overlays go. */
void kd_snapshot_abort(struct kd_snapshot *s);
/* The file is written: d's disks go on in their overlays (backends
 * restarted on them).  Returns [{vdev, snapshot, overlay}]. */
struct json_object *kd_snapshot_commit(struct kd *kd, struct kd_domain *d,
				       struct kd_snapshot *s);

/* ---- xs_layout.c ---- */
/* Write the domain's xenstore tree and INTRODUCE it.  No-op without xenstore. */
int kd_xs_domain_add(struct kd *kd, struct kd_domain *d);
/* RELEASE it and remove its tree. */
void kd_xs_domain_remove(struct kd *kd, struct kd_domain *d);
/* Write control/shutdown. -ENOTCONN without xenstore. */
int kd_xs_shutdown_request(struct kd *kd, struct kd_domain *d, const char *what);
/* Rewrite the name under /local/domain/<id> and /vm/<uuid>. */
void kd_xs_rename(struct kd *kd, struct kd_domain *d);

/* ---- vbd.c: a domain's disks, their backends and hotplug ---- */
/*
 * Attach disk (index names it in messages) to d: check its image, open and
 * lock it, write libxl's xenstore layout, start its ketch-blkback.  On
 * failure nothing is left and err says why ("invalid_config",
 * "disk_in_use", "duplicate_vdev", "no_xenstore", "internal").
 */
int kd_vbd_attach(struct kd *kd, struct kd_domain *d, const struct kd_disk *disk,
		  unsigned int index, struct kd_error *err);
/* The disk named by vdev (as given, or its devid); NULL if none. */
struct kd_vbd *kd_vbd_find(struct kd_domain *d, const char *vdev);
/*
 * Remove v as xl does: online 0 and backend state Closing, then wait (up
 * to timeout_s, never in the loop) for the frontend to close before the
 * nodes go and the backend stops; past the timeout it is removed anyway,
 * as libxl forces it.  force skips the wait: 0, done (v is freed).
 * Otherwise 1: the reply ({"ok":true,"forced":...}, id echoed) is sent on
 * c later and c takes no other request meanwhile.
 */
int kd_vbd_detach(struct kd *kd, struct kd_domain *d, struct kd_vbd *v, bool force,
		  int timeout_s, struct kd_conn *c, struct json_object *id);
/* Remove every disk of d at once (the domain is going away). */
void kd_vbd_remove_all(struct kd *kd, struct kd_domain *d);
/* Let go of d's disks without touching their backends (ketchd stops, state kept). */
void kd_vbd_release_all(struct kd_domain *d);
/* SIGCHLD: reap every exited child; schedule restarts of backends that died. */
void kd_vbd_reap(struct kd *kd);
/* Due restarts, detach progress, overdue stops; ms to the next, or -1. */
int kd_vbd_timers(struct kd *kd);
/* A connection is being freed: forget replies owed to it. */
void kd_vbd_conn_gone(struct kd *kd, struct kd_conn *c);

/* ---- vbd_proc.c: ketch-blkback processes ---- */
/* Set up v->back: ketch-blkback, started with v->image_fd as fd 3. */
void kd_vbd_backend_init(struct kd_vbd *v);

/* ---- vbd_nbd.c: a non-raw image's qemu-storage-daemon ---- */
/* For an image served through NBD: the private socket's path (its 0700
 * directory made) and the daemon's options.  0 (nothing to do for raw)
 * or -errno. */
int kd_vbd_nbd_prepare(struct kd *kd, struct kd_vbd *v);
/* In the backend's child, before it runs ketch-blkback: listen on the
 * socket and start the daemon, which gets SIGTERM when the backend ends.
 * Its pid, or -errno. */
pid_t kd_vbd_nbd_start(const struct kd_vbd *v);
/* Forget v's NBD state (the socket file too when unlink is set). */
void kd_vbd_nbd_free(struct kd_vbd *v, bool unlink_socket);

/* ---- backend_proc.c: a device's backend process, disks' and vifs' alike ---- */
/* Set b up for dev, with no process yet; exec runs prog in the child. */
void kd_backend_init(struct kd_backend *b, struct kd_xsdev xs, const char *label,
		     const char *prog, void (*exec)(struct kd *, const void *), const void *dev);
/* Start b's backend. 0 or -errno. */
int kd_backend_spawn(struct kd *kd, struct kd_backend *b);
/* SIGTERM b's backend and remember it until reaped (SIGKILL after a
 * grace); fd, if not -1, is the image it holds.  No restart is left due. */
void kd_backend_stop(struct kd *kd, struct kd_backend *b, int fd);
/* b's backend exited with status: log how, and schedule its restart
 * unless it was detaching, exited 0, or its domain has stopped. */
void kd_backend_exited(struct kd_backend *b, int status, bool domain_stopped);
/* Begin xl's detach: online 0 and Closing.  0: remove the device now
 * (force, or Closing could not be written); 1: c waits for the reply,
 * which kd_backend_due's end of the detach sends. */
int kd_backend_detach(struct kd *kd, struct kd_backend *b, bool force, int timeout_s,
		      struct kd_conn *c, struct json_object *id);
/* Log the device detached (forced: not waiting for the frontend) and
 * send the reply owed, if any. */
void kd_backend_detached(struct kd *kd, struct kd_backend *b, bool forced);
/* Send the reply owed ({"ok":true,"forced":...}, id echoed), if anyone waits. */
void kd_backend_reply(struct kd *kd, struct kd_backend *b, bool forced);
/* Start b's backend again if due; true when its detach is over (*forced
 * when the frontend did not close in time).  Lowers *next to the ms
 * until b needs looking at again. */
bool kd_backend_due(struct kd *kd, struct kd_backend *b, int64_t now, int64_t *next,
		    bool *forced);
/* Lower *next (-1: none yet) to ms, 0 if ms is past. */
void kd_at_most(int64_t *next, int64_t ms);
/* SIGTERM pid and remember it until reaped (SIGKILL after a grace); fd,
 * if not -1, is the image it holds, for kd_child_holds. */
void kd_child_stop(struct kd *kd, pid_t pid, int fd);
/* Is the image open on fd held by a backend being stopped? */
bool kd_child_holds(struct kd *kd, int fd);
/* Reap an exited stopped child; false if pid is not one of them. */
bool kd_child_reaped(struct kd *kd, pid_t pid);
/* SIGKILL stopped children past their grace; ms to the next deadline or -1. */
int kd_child_timers(struct kd *kd);

/* ---- vbd_xs.c: libxl's vbd layout in xenstore ---- */
/* Write backend/vbd/<domid>/<devid> and the guest's device/vbd/<devid>. */
int kd_vbd_xs_add(struct kd *kd, const struct kd_vbd *v);
/* Remove both (and backend/vbd/<domid> once empty). */
void kd_vbd_xs_remove(struct kd *kd, const struct kd_vbd *v);
/* An integer node under the frontend (fe true) or backend directory; -1 if absent. */
long kd_vbd_xs_read(struct kd *kd, const struct kd_vbd *v, bool fe, const char *name);

/* ---- vif.c: a domain's network interfaces and their backends ---- */
/*
 * Attach nic (devid and mac already chosen; index names it in messages) to
 * d: write libxl's vif layout, start its ketch-netback.  On failure
 * nothing is left and err says why ("duplicate_vif", "no_xenstore",
 * "xenstore_failed", "internal").
 */
int kd_vif_attach(struct kd *kd, struct kd_domain *d, const struct kd_nic *nic,
		  unsigned int index, struct kd_error *err);
/* The vif named by a devid ("1") or a mac; NULL if none. */
struct kd_vif *kd_vif_find(struct kd_domain *d, const char *key);
/* As kd_vbd_detach, for a vif: 0 when done (v freed), 1 when the reply waits. */
int kd_vif_detach(struct kd *kd, struct kd_domain *d, struct kd_vif *v, bool force,
		  int timeout_s, struct kd_conn *c, struct json_object *id);
/* Remove every vif of d at once (the domain is going away). */
void kd_vif_remove_all(struct kd *kd, struct kd_domain *d);
/* Let go of d's vifs without touching their backends (ketchd stops, state kept). */
void kd_vif_release_all(struct kd_domain *d);
/* A child exited: true if it was a vif's backend (restart scheduled). */
bool kd_vif_reaped(struct kd *kd, pid_t pid, int status);
/* Due restarts and detach progress; ms to the next, or -1. */
int kd_vif_timers(struct kd *kd);
/* A connection is being freed: forget replies owed to it. */
void kd_vif_conn_gone(struct kd *kd, struct kd_conn *c);

/* ---- vif_proc.c: ketch-netback processes ---- */
/* Set up v->back: ketch-netback, told its domain and devid. */
void kd_vif_backend_init(struct kd_vif *v);

/* ---- vif_xs.c: libxl's vif layout in xenstore ---- */
/* Write backend/vif/<domid>/<devid> and the guest's device/vif/<devid>. */
int kd_vif_xs_add(struct kd *kd, const struct kd_vif *v);
/* Remove both (and backend/vif/<domid> once empty). */
void kd_vif_xs_remove(struct kd *kd, const struct kd_vif *v);
/* An integer node under the frontend (fe true) or backend directory; -1 if absent. */
long kd_vif_xs_read(struct kd *kd, const struct kd_vif *v, bool fe, const char *name);
/* The backend directory's path. */
void kd_vif_be_path(const struct kd_vif *v, char *p, size_t n);

/* ---- console.c ---- */
/* Map the console ring, bind its port, open the log.  NULL on failure (logged). */
struct kd_console *kd_console_open(struct kd *kd, struct kd_domain *d);
/* Copy what the guest wrote to the log and viewers; notify the guest. */
void kd_console_drain(struct kd *kd, struct kd_domain *d);
/* Put viewer input into the ring's in[] and notify; returns bytes taken. */
size_t kd_console_input(struct kd_domain *d, const char *buf, size_t len);
/* Drain a last time and release; unbind the port too unless the domain is
 * being left running for a later ketchd to adopt. */
void kd_console_close(struct kd *kd, struct kd_domain *d, bool unbind);

/* ---- console_pty.c: a pty per console, as xenconsoled's ---- */
/* Open c's pty (raw mode) and watch its master; -errno, logged, if none. */
int kd_pty_open(struct kd *kd, struct kd_domain *d, struct kd_console *c);
/* Copy guest output to the pty; dropped when nobody reads and it is full. */
void kd_pty_output(struct kd_console *c, const char *buf, size_t n);
/* What was written to the pty: into the console ring. */
void kd_pty_input(struct kd *kd, struct kd_domain *d);
/* Write the pty's path to console/tty in xenstore (0 without xenstore). */
int kd_pty_publish(struct kd *kd, struct kd_domain *d);
/* Close the pty (the slave programs hold sees a hang-up). */
void kd_pty_close(struct kd *kd, struct kd_console *c);

/* ---- state.c: --state-dir ---- */
/* Record the domain (atomically).  No-op without a state directory. */
void kd_state_save(struct kd *kd, struct kd_domain *d);
/* Forget it. */
void kd_state_remove(struct kd *kd, struct kd_domain *d);
/* Adopt every recorded domain ketch-hv still runs; forget the rest. */
int kd_state_restore(struct kd *kd);

/* ---- server.c: connections ---- */
/* Queue bytes for a connection (dropping it if it falls too far behind). */
void kd_conn_send(struct kd *kd, struct kd_conn *c, const char *buf, size_t len);
/* Send one JSON object as a line; consumes the reference. */
void kd_conn_send_json(struct kd *kd, struct kd_conn *c, struct json_object *o);
/* Send an event line to every events subscriber; consumes the reference. */
void kd_broadcast_event(struct kd *kd, struct json_object *ev);
/* Close console viewers of a domain (it is going away). */
void kd_conn_close_viewers(struct kd *kd, uint32_t domid);
int kd_server_listen(struct kd *kd);
void kd_server_accept(struct kd *kd);
void kd_server_io(struct kd *kd, struct kd_conn *c, uint32_t events);
void kd_server_close_all(struct kd *kd);
/* Free connections that were closed or dropped. */
void kd_server_reap(struct kd *kd);
/* Send the reply a request deferred; the lines queued behind it are
 * handled by kd_server_resume (never from inside another handler). */
void kd_conn_reply_deferred(struct kd *kd, struct kd_conn *c, struct json_object *reply);
/* Handle lines that waited for a deferred reply; true if any connection did. */
bool kd_server_resume(struct kd *kd);

/* ---- api.c ---- */
/* Handle one request line; the reply (if any yet) is queued on c. */
void kd_api_handle(struct kd *kd, struct kd_conn *c, const char *line);
/* {"ok":false,"error":{...}} from err. */
struct json_object *kd_api_error(const struct kd_error *err);

/* ---- events.c ---- */
/* Tell event subscribers about a domain ("state" with its state name). */
void kd_events_state(struct kd *kd, struct kd_domain *d, const char *state);

#endif
