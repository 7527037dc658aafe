/*
 * confine.h - what a Ketch daemon calls, once its sockets and files are
 * open, to give up what it does not need: another uid, every capability,
 * and every system call outside an allow-list (libseccomp).  Shared by the
 * daemons so each states only its own additions (dom0-tools/libconfine/).
 */
#ifndef KETCH_CONFINE_H
#define KETCH_CONFINE_H

#include <stddef.h>

struct kcf_opts {
	/* Switch to this user (and its primary group, no supplementary
	 * groups); NULL keeps the uid the daemon runs as. */
	const char *user;
	/* System calls this daemon needs beyond kcf_base_syscalls, by name
	 * (NULL-terminated; NULL for none).  Unknown names are an error. */
	const char *const *extra;
};

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
 * failure, instead of dying mid-request for a call nobody foresaw.
 * Returns 0, or a negative errno with a sentence in err (errlen bytes).
 */
int kcf_confine(const struct kcf_opts *o, char *err, size_t errlen);

#endif
