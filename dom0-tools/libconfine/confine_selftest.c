/*
 * confine_selftest.c - test builds only: once confined, try the calls
 * named in $KETCH_CONFINE_SELFTEST (comma-separated, in order) and log
 * what the kernel answered, so a test sees the filter refuse them.  A
 * fatal call in a profile that kills never returns: the process dies of
 * SIGSYS after confine_trap.c's line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ketch/confine.h"

static const char *answer(long r)
{
	return r < 0 ? strerror(errno) : "allowed";
}

static void probe(const char *who, const char *what)
{
	char *const argv[] = { "ketch-selftest", NULL };
	long r;
	pid_t p;

	if (!strcmp(what, "read-open")) {
		r = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
		fprintf(stderr, "%s: selftest: open for reading: %s\n", who, answer(r));
		if (r >= 0)
			close((int)r);
	} else if (!strcmp(what, "ioctl")) {
		int n;

		r = ioctl(STDERR_FILENO, FIONREAD, &n);
		fprintf(stderr, "%s: selftest: ioctl(FIONREAD): %s\n", who,
			r < 0 && errno == EPERM ? strerror(errno) : "allowed");
	} else if (!strcmp(what, "socket")) {
		r = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		fprintf(stderr, "%s: selftest: socket(AF_INET): %s\n", who, answer(r));
		if (r >= 0)
			close((int)r);
	} else if (!strcmp(what, "ptrace")) {
		r = ptrace(PTRACE_PEEKUSER, 1, NULL, NULL);
		fprintf(stderr, "%s: selftest: ptrace: %s\n", who, strerror(errno));
	} else if (!strcmp(what, "fork")) {
		p = fork();
		if (p == 0)
			_exit(0);
		if (p > 0)
			waitpid(p, NULL, 0);
		fprintf(stderr, "%s: selftest: fork: %s\n", who, answer(p));
	} else if (!strcmp(what, "execve")) {
		execve("/nonexistent/ketch-selftest", argv, argv + 1);
		fprintf(stderr, "%s: selftest: execve: %s\n", who, strerror(errno));
	} else {
		fprintf(stderr, "%s: selftest: unknown probe %s\n", who, what);
	}
}

void kcf_selftest(const char *name)
{
	const char *list = getenv("KETCH_CONFINE_SELFTEST");
	char buf[256], *save = NULL;

	if (!list)
		return;
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save))
		probe(name, w);
}
