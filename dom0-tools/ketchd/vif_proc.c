/*
 * vif_proc.c - ketch-netback processes: one per vif, told its domain and
 * devid (it reads the rest, bridge and MTU included, from the backend
 * directory ketchd wrote), the bridge created when ketchd was started
 * with --create-bridge.  Starting, stopping and restarting it are
 * backend_proc.c's, as for ketch-blkback.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ketchd.h"

/* In the child: a clean signal state, nothing of ketchd's open. */
static void exec_backend(struct kd *kd, const void *dev)
{
	const struct kd_vif *v = dev;
	char domid[16], devid[16];
	const char *argv[16];
	int n = 0;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	close_range(3, ~0U, 0);
	snprintf(domid, sizeof(domid), "%u", v->domid);
	snprintf(devid, sizeof(devid), "%u", v->nic.devid);
	argv[n++] = "ketch-netback";
	argv[n++] = "--domid", argv[n++] = domid;
	argv[n++] = "--devid", argv[n++] = devid;
	argv[n++] = "--hv-socket", argv[n++] = kd->opt.hv_socket;
	if (v->nic.bridge[0] && kd->opt.create_bridge)
		argv[n++] = "--create-bridge";
	if (kd->opt.backend_user) /* it drops to it once its TAP and sockets are open */
		argv[n++] = "--user", argv[n++] = kd->opt.backend_user;
	argv[n] = NULL;
	execv(kd->opt.netback, (char *const *)argv);
	fprintf(stderr, "ketchd: cannot run %s: %s\n", kd->opt.netback, strerror(errno));
	_exit(127);
}

void kd_vif_backend_init(struct kd_vif *v)
{
	struct kd_xsdev xs = { "vif", v->domid, v->nic.devid };

	kd_backend_init(&v->back, xs, NULL, "ketch-netback", exec_backend, v);
}
