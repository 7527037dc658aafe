/*
 * confine.h - what a Ketch daemon calls, once its sockets and files are
 * open, to give up what it does not need: another uid, every capability,
 * and every system call outside an allow-list (libseccomp).  Shared by the
 * daemons so each states only its own additions (dom0-tools/libconfine/).
 */
#ifndef KETCH_CONFINE_H
#define KETCH_CONFINE_H

#include <stdbool.h>
#include <stddef.h>

struct kcf_opts {
	/* Switch to this user (and its primary group, no supplementary
	 * groups); NULL keeps the uid the daemon runs as. */
	const char *user;
	/* System calls this daemon needs beyond kcf_base_syscalls, by name
	 * (NULL-terminated; NULL for none).  Unknown names are an error. */
	const char *const *extra;
	/* ioctl requests allowed beyond TCGETS, 0-terminated (NULL: none);
	 * compared on their low 32 bits, which are all the kernel reads. */
	const unsigned long *ioctls;
	/* The daemon runs threads: clone() is allowed with CLONE_THREAD only,
	 * and clone3() (whose flags a filter cannot read) answers ENOSYS so
	 * that the C library falls back to clone(). */
	bool threads;
	/* Files are opened by name for writing only (a log being rotated):
	 * open/openat must ask for O_WRONLY; nothing is read by name. */
	bool open_write_only;
	/* The calls of kcf_fatal_syscalls, a socket() other than AF_UNIX and
	 * a clone() without CLONE_THREAD kill the process with SIGSYS after
	 * one line on stderr naming the call, instead of failing with EPERM
	 * (see confine_trap.c).  Other calls outside the list still fail
	 * with EPERM. */
	bool kill;
	/* The daemon's name in that line (NULL: "ketch"). */
	const char *name;
};

/* What a daemon's --user NAME and --no-confine asked for. */
struct kcf_cli {
	const char *user;
	bool off;
};

/*
 * Calls no Ketch daemon makes once confined, whatever it serves:
 * executing programs, tracing or writing other processes, forking,
 * mounting, namespaces, modules, kexec, BPF, keyrings.  Refused in every
 * filter; with kcf_opts.kill they end the process.  NULL-terminated.
 */
extern const char *const kcf_fatal_syscalls[];

/*
 * The allow-list every event-loop daemon gets: memory, descriptors it
 * already holds, epoll, Unix-socket I/O (socket() only for AF_UNIX), files
 * by name (open, rename, unlink: persistence and socket clean-up), time,
 * signals, futexes and exit.  NULL-terminated.
 */
extern const char *const kcf_base_syscalls[];

/*
 * Confine the calling process, in this order: look up user (before the
 * filter, which forbids the NSS files' sockets to other daemons), clear the
 * capability bounding set, switch uid/gid, drop every capability, set
 * no_new_privs, install the seccomp filter on every thread.  A call outside
 * the list then fails with EPERM: the daemon keeps running and logs the
 * failure, instead of dying mid-request for a call nobody foresaw (with
 * o->kill, the fatal calls kill it).
 * Returns 0, or a negative errno with a sentence in err (errlen bytes).
 */
int kcf_confine(const struct kcf_opts *o, char *err, size_t errlen);

/* Raises the soft limit on open descriptors to the hard one (many domains
 * need many descriptors); called at start, before any filter. */
void kcf_raise_fd_limit(void);

/*
 * Drop, before any thread exists, every capability except `keep` (a mask
 * of 1ULL << CAP_*) and, when `user` is set, those kcf_confine still needs
 * to switch to it (CAP_SETUID, CAP_SETGID, CAP_SETPCAP); without `user`
 * the bounding set is emptied too.  Capabilities belong to each thread:
 * kcf_confine drops only the calling thread's, so a thread a library
 * starts during setup (libxenstore's reader) keeps what the process held
 * then.  Returns 0 or a negative errno with a sentence in err.
 */
int kcf_drop_early(unsigned long long keep, const char *user, char *err, size_t errlen);

/*
 * The profiles: what each daemon calls once its setup is done.  Each
 * confines with its own list (profiles.c) and, with o->kill set by the
 * profile, ends the process on a fatal call.  `user` may be NULL.
 * Returns 0 or a negative errno with a sentence in err.
 */
/* ketch-hv: KVM ioctls, memfds, vCPU threads, its control socket, its log
 * rotated by name (written, never read). */
int kcf_confine_hv(char *err, size_t errlen);
/* ketch-blkback: io_uring on its image, its two sockets, libxenstore's
 * reader thread, event-channel eventfds, guest memory mapped. */
int kcf_confine_blkback(const char *user, char *err, size_t errlen);
/* ketch-netback: its TAP (read, write; no ioctl), the same sockets,
 * threads and mappings as blkback. */
int kcf_confine_netback(const char *user, char *err, size_t errlen);

/*
 * Test builds only (the tests' -selftest binaries link confine_selftest.c): with
 * $KETCH_CONFINE_SELFTEST set to a comma-separated list of probes, try
 * each forbidden call once confined and log what the kernel answered.
 * The library's own definition does nothing.
 */
void kcf_selftest(const char *name);

#endif
