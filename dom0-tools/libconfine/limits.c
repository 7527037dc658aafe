/*
 * limits.c - resource limits a daemon sets for itself at start.
 */
#include <sys/resource.h>

#include "ketch/confine.h"

/*
 * Each domain holds descriptors in ketch-hv (its memory, VM, vCPUs,
 * eventfds) and in ketchd (console mapping, pty, eventfds, log, disk
 * images): the usual soft limit of 1024 stopped a host at 144 domains
 * while the hard limit allows far more.  Nothing here uses select(), so
 * descriptors past FD_SETSIZE are safe.
 */
void kcf_raise_fd_limit(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}
