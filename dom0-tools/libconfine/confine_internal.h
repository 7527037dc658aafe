/*
 * confine_internal.h - what the files of libconfine share and nobody
 * else needs.
 */
#ifndef KCF_INTERNAL_H
#define KCF_INTERNAL_H

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>

/* Writes a sentence into err and returns -e (e may be given either sign). */
int kcf_fail(char *err, size_t len, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* True if an ASan build's own list allows name (then no narrower or
 * fatal rule may be added for it: libseccomp takes one action a call). */
bool kcf_sanitizer_allows(const char *name);

/* Install the SIGSYS handler that names the refused call (before the
 * filter: rt_sigaction itself stays allowed anyway). */
int kcf_trap_install(const char *name, char *err, size_t errlen);

/* Add the rules that trap: kcf_fatal_syscalls, socket() other than
 * AF_UNIX, clone() without CLONE_THREAD. */
int kcf_trap_rules(scmp_filter_ctx f);

#endif
