/*
 * confine_trap.c - the calls that end a confined daemon: only a subverted
 * process makes them, so it stops with SIGSYS after one line on stderr
 * that names the call, rather than being answered EPERM and going on.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "confine_internal.h"
#include "ketch/confine.h"

const char *const kcf_fatal_syscalls[] = {
	"execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv",
	"process_vm_writev", "mount", "umount2", "pivot_root", "chroot",
	"unshare", "setns", "init_module", "finit_module", "delete_module",
	"kexec_load", "kexec_file_load", "bpf", "perf_event_open", "keyctl",
	"add_key", "request_key", "reboot", "swapon", "swapoff", "iopl", "ioperm",
	"open_by_handle_at", "userfaultfd", "setuid", "setgid", "setreuid",
	"setregid", "setresuid", "setresgid", "setgroups", "capset",
	NULL
};

/* Filled before the filter is loaded; the handler only reads them. */
#define MAX_NAMES 64
struct trap_name {
	int nr;
	const char *name;
};
static struct trap_name trap_names[MAX_NAMES];
static int trap_count;
static char trap_who[32];

static size_t put(char *buf, size_t at, size_t cap, const char *s)
{
	while (*s && at < cap)
		buf[at++] = *s++;
	return at;
}

static size_t put_num(char *buf, size_t at, size_t cap, long v)
{
	char tmp[24];
	int n = 0;

	if (v < 0) {
		at = put(buf, at, cap, "-");
		v = -v;
	}
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < (int)sizeof(tmp));
	while (n && at < cap)
		buf[at++] = tmp[--n];
	return at;
}

static const char *trap_name(int nr)
{
	for (int i = 0; i < trap_count; i++)
		if (trap_names[i].nr == nr)
			return trap_names[i].name;
	return nr == SCMP_SYS(socket) ? "socket" : nr == SCMP_SYS(clone) ? "clone" : "?";
}

/*
 * Async-signal-safe: formats by hand, one write(2).  The default action
 * is then restored and SIGSYS re-sent to this thread: it is blocked while
 * the handler runs and lands on return, so the process dies of SIGSYS
 * (the status a supervisor sees) and never resumes after the call.
 */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	char line[160];
	size_t n = 0;
	int e = errno;

	(void)uc;
	n = put(line, n, sizeof(line), trap_who);
	n = put(line, n, sizeof(line), ": forbidden system call ");
	n = put(line, n, sizeof(line), trap_name(si->si_syscall));
	n = put(line, n, sizeof(line), " (");
	n = put_num(line, n, sizeof(line), si->si_syscall);
	n = put(line, n, sizeof(line), ") refused by the seccomp filter; stopping with SIGSYS\n");
	if (write(STDERR_FILENO, line, n) < 0)
		errno = e;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
}

int kcf_trap_install(const char *name, char *err, size_t errlen)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };

	strncpy(trap_who, name, sizeof(trap_who) - 1);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return kcf_fail(err, errlen, errno, "SIGSYS handler: %s", strerror(errno));
	return 0;
}

int kcf_trap_rules(scmp_filter_ctx f)
{
	int r = 0;

	trap_count = 0;
	for (const char *const *n = kcf_fatal_syscalls; r == 0 && *n; n++) {
		int nr = seccomp_syscall_resolve_name(*n);

		if (nr == __NR_SCMP_ERROR || kcf_sanitizer_allows(*n))
			continue; /* not on this architecture, or ASan's own */
		if (trap_count < MAX_NAMES)
			trap_names[trap_count++] = (struct trap_name){ nr, *n };
		r = seccomp_rule_add(f, SCMP_ACT_TRAP, nr, 0);
	}
	if (r == 0)
		r = seccomp_rule_add(f, SCMP_ACT_TRAP, SCMP_SYS(socket), 1,
				     SCMP_A0(SCMP_CMP_NE, AF_UNIX));
	if (r == 0 && !kcf_sanitizer_allows("clone"))
		r = seccomp_rule_add(f, SCMP_ACT_TRAP, SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
	return r;
}
