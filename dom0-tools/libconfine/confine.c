/*
 * confine.c - drop a daemon's uid, capabilities and system calls once it
 * has opened what it needs (include/ketch/confine.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "confine_internal.h"
#include "ketch/confine.h"

const char *const kcf_base_syscalls[] = {
	/* memory (malloc, mapping a guest's pages) */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
	/* descriptors the daemon holds */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "lseek",
	"close", "fcntl", "dup", "fstat", "newfstatat", "statx", "fsync",
	"fdatasync", "ftruncate",
	/* waiting */
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "poll",
	"ppoll", "eventfd2", "nanosleep", "clock_nanosleep",
	/* Unix-socket I/O; socket() itself is limited to AF_UNIX below */
	"connect", "accept", "accept4", "recvmsg", "sendmsg", "recvfrom",
	"sendto", "getsockopt", "setsockopt", "shutdown", "getsockname",
	"getpeername",
	/* files by name: persistence, removing our own socket at exit
	 * (open/openat are added by allow_narrow, maybe for writing only) */
	"rename", "renameat", "renameat2", "unlink", "unlinkat", "fchmod",
	"umask",
	/* identity and time */
	"getpid", "gettid", "getuid", "geteuid", "getgid", "getegid",
	"clock_gettime", "clock_getres", "gettimeofday", "time", "getrandom",
	/* signals, threads' own bookkeeping, leaving */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
	"restart_syscall", "futex", "set_robust_list", "sched_yield",
	"getrlimit", "prlimit64", "exit", "exit_group",
	NULL
};

#if defined(__SANITIZE_ADDRESS__)
/* An ASan build's leak check stops the world at exit from a clone()d
 * tracer that ptrace()s every thread, and reads /proc/self/maps; refusing
 * it would fail every sanitizer run at exit.  Production builds never get
 * these, and the narrow rules below stand aside for them. */
#define KCF_SANITIZER 1
static const char *const sanitizer_syscalls[] = {
	"clone", "clone3", "ptrace", "wait4", "waitid", "prctl", "getdents", "getdents64",
	"readlink", "readlinkat", "sched_getaffinity", "getppid", "kill", "tgkill",
	NULL
};
#else
#define KCF_SANITIZER 0
static const char *const sanitizer_syscalls[] = { NULL };
#endif

bool kcf_sanitizer_allows(const char *name)
{
	for (const char *const *n = sanitizer_syscalls; *n; n++)
		if (!strcmp(*n, name))
			return true;
	return false;
}

int kcf_fail(char *err, size_t len, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return e < 0 ? e : -e;
}

static int allow_names(scmp_filter_ctx f, const char *const *names, char *err, size_t len)
{
	const bool own = names == sanitizer_syscalls;

	for (; names && *names; names++) {
		int nr = seccomp_syscall_resolve_name(*names);
		int r;

		if (!own && kcf_sanitizer_allows(*names))
			continue; /* already allowed whole in this build */
		if (nr == __NR_SCMP_ERROR)
			return kcf_fail(err, len, EINVAL, "unknown system call %s", *names);
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, nr, 0);
		if (r < 0)
			return kcf_fail(err, len, r, "seccomp rule for %s: %s", *names, strerror(-r));
	}
	return 0;
}

static int rule(scmp_filter_ctx f, uint32_t action, int nr, unsigned int n,
		struct scmp_arg_cmp cmp)
{
	return n ? seccomp_rule_add(f, action, nr, 1, cmp) : seccomp_rule_add(f, action, nr, 0);
}

/* open/openat: for writing only when asked (the flags are the second and
 * the third argument), else as they come. */
static int allow_open(scmp_filter_ctx f, const struct kcf_opts *o)
{
	bool wo = o->open_write_only && !KCF_SANITIZER;
	int r;

	r = rule(f, SCMP_ACT_ALLOW, SCMP_SYS(open), wo,
		 SCMP_A1(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_WRONLY));
	if (r == 0)
		r = rule(f, SCMP_ACT_ALLOW, SCMP_SYS(openat), wo,
			 SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_WRONLY));
	return r;
}

static int allow_ioctls(scmp_filter_ctx f, const struct kcf_opts *o)
{
	int r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				 SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TCGETS));

	for (const unsigned long *c = o->ioctls; r == 0 && c && *c; c++)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, *c & 0xffffffffu));
	return r;
}

/* pthread_create's clone() carries CLONE_THREAD; fork's does not.  glibc
 * tries clone3() first and falls back on ENOSYS. */
static int allow_threads(scmp_filter_ctx f, const struct kcf_opts *o)
{
	int r;

	if (!o->threads || KCF_SANITIZER) /* the sanitizer list has both */
		return 0;
	r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	if (r == 0)
		r = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	return r;
}

/* Calls that are allowed only with some arguments: new sockets are Unix
 * ones, signals go only to this process (abort() and raise()), ioctls
 * are the daemon's own list plus stdio asking whether stderr is a
 * terminal (never TIOCSTI, which would type into the operator's shell),
 * threads are threads, and files may be opened for writing only. */
static int allow_narrow(scmp_filter_ctx f, const struct kcf_opts *o, char *err, size_t len)
{
	int pid = getpid(), r;

	r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
			     SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	if (r == 0 && !KCF_SANITIZER)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)pid));
	if (r == 0 && !KCF_SANITIZER)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
				     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)pid));
	if (r == 0)
		r = allow_ioctls(f, o);
	if (r == 0)
		r = allow_threads(f, o);
	if (r == 0)
		r = allow_open(f, o);
	if (r == 0 && o->kill)
		r = kcf_trap_rules(f);
	return r < 0 ? kcf_fail(err, len, r, "seccomp argument rule: %s", strerror(-r)) : 0;
}

/* Everything else fails with EPERM; TSYNC covers threads already running. */
static int install_filter(const struct kcf_opts *o, char *err, size_t len)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int r;

	if (!f)
		return kcf_fail(err, len, ENOMEM, "seccomp_init failed");
	r = seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1);
	if (r == 0) /* a 32-bit entry would dodge every rule by number */
		r = seccomp_attr_set(f, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r < 0)
		r = kcf_fail(err, len, r, "seccomp attributes: %s", strerror(-r));
	if (r == 0)
		r = allow_names(f, kcf_base_syscalls, err, len);
	if (r == 0)
		r = allow_names(f, o->extra, err, len);
	if (r == 0)
		r = allow_names(f, sanitizer_syscalls, err, len);
	if (r == 0)
		r = allow_narrow(f, o, err, len);
	if (r == 0 && (r = seccomp_load(f)) < 0)
		r = kcf_fail(err, len, r, "loading the seccomp filter: %s", strerror(-r));
	seccomp_release(f);
	return r;
}

/* The bounding set can only shrink with CAP_SETPCAP; without it (an
 * unprivileged start) there is nothing in it worth the failure. */
static int drop_bounding(char *err, size_t len)
{
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EPERM)
			return kcf_fail(err, len, errno, "dropping capability %d: %s", cap,
				    strerror(errno));
	}
	return 0;
}

static int drop_caps(char *err, size_t len)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capset, &h, d) < 0)
		return kcf_fail(err, len, errno, "dropping capabilities: %s", strerror(errno));
	return 0;
}

static int lookup_user(const char *name, uid_t *uid, gid_t *gid, char *err, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int r = getpwnam_r(name, &pw, buf, sizeof(buf), &res);

	if (!res)
		return kcf_fail(err, len, r ? r : ENOENT, "no user %s", name);
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	return 0;
}

static int switch_user(uid_t uid, gid_t gid, const char *name, char *err, size_t len)
{
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		return kcf_fail(err, len, errno, "cannot become user %s: %s", name,
			    strerror(errno));
	return 0;
}

/*
 * pthread_cancel() and pthread_exit() load libgcc_s on first use, by
 * name, which the filter would refuse (glibc then aborts the process:
 * libxenstore cancels its reader thread in xs_close).  Loaded now, the
 * later dlopen finds it in memory and opens nothing.
 */
static void preload_unwinder(void)
{
	dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_NODELETE);
}

int kcf_confine(const struct kcf_opts *o, char *err, size_t errlen)
{
	uid_t uid = 0;
	gid_t gid = 0;
	int r = 0;

	if (o->user)
		r = lookup_user(o->user, &uid, &gid, err, errlen);
	if (r == 0)
		r = drop_bounding(err, errlen);
	if (r == 0 && o->user)
		r = switch_user(uid, gid, o->user, err, errlen);
	if (r == 0)
		r = drop_caps(err, errlen);
	if (r == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = kcf_fail(err, errlen, errno, "no_new_privs: %s", strerror(errno));
	if (r == 0 && o->kill)
		r = kcf_trap_install(o->name ? o->name : "ketch", err, errlen);
	if (r == 0 && o->threads)
		preload_unwinder();
	if (r == 0)
		r = install_filter(o, err, errlen);
	if (r == 0)
		kcf_selftest(o->name ? o->name : "ketch");
	return r;
}

/* What kcf_confine will still need to switch users, when it must. */
#define SWITCH_CAPS ((1ULL << CAP_SETUID) | (1ULL << CAP_SETGID) | (1ULL << CAP_SETPCAP))

int kcf_drop_early(unsigned long long keep, const char *user, char *err, size_t errlen)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	int r = user ? 0 : drop_bounding(err, errlen);

	if (r)
		return r;
	if (user)
		keep |= SWITCH_CAPS;
	if (syscall(SYS_capget, &h, d) < 0)
		return kcf_fail(err, errlen, errno, "reading capabilities: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		uint32_t k = (uint32_t)(keep >> (32 * i));

		d[i].effective &= k;
		d[i].permitted &= k;
		d[i].inheritable = 0;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capset, &h, d) < 0)
		return kcf_fail(err, errlen, errno, "dropping capabilities: %s", strerror(errno));
	return 0;
}

/* The library's own probe does nothing; test builds link a real one. */
__attribute__((weak)) void kcf_selftest(const char *name)
{
	(void)name;
}
