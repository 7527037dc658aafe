/*
 * vif_proc.c - ketch-netback processes: one per vif, told its domain and
 * devid (it reads the rest, bridge and MTU included, from the backend
 * directory ketchd wrote), the bridge created when ketchd was started
 * with --create-bridge.  Stopping and reaping are vbd_proc.c's
 * kd_child_*; exits are learnt from SIGCHLD, nothing here waits.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ketchd.h"

/* In the child: a clean signal state, nothing of ketchd's open. */
static void exec_backend(struct kd *kd, const struct kd_vif *v)
{
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

int kd_vif_spawn(struct kd *kd, struct kd_vif *v)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		exec_backend(kd, v);
	v->pid = pid;
	v->started_ms = kd_now_ms();
	v->restart_at_ms = 0;
	kd_log("d%u: vif %u: ketch-netback pid %d", v->domid, v->nic.devid, (int)pid);
	return 0;
}
