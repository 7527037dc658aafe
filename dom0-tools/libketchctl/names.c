/* names.c - printable names for states, shutdown reasons and statuses. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <xen/sched.h>

#include "ketch/ketchctl.h"

const char *kctl_state_name(uint32_t state)
{
	static const char *const names[] = {
		[KCTL_STATE_PAUSED] = "paused",   [KCTL_STATE_RUNNING] = "running",
		[KCTL_STATE_BLOCKED] = "blocked", [KCTL_STATE_SHUTDOWN] = "shutdown",
		[KCTL_STATE_CRASHED] = "crashed", [KCTL_STATE_DYING] = "dying",
	};

	if (state < sizeof(names) / sizeof(names[0]) && names[state])
		return names[state];
	return "unknown";
}

const char *kctl_shutdown_name(int32_t reason)
{
	switch (reason) {
	case -1: return "-";
	case SHUTDOWN_poweroff: return "poweroff";
	case SHUTDOWN_reboot: return "reboot";
	case SHUTDOWN_suspend: return "suspend";
	case SHUTDOWN_crash: return "crash";
	case SHUTDOWN_watchdog: return "watchdog";
	case SHUTDOWN_soft_reset: return "soft_reset";
	default: return "unknown";
	}
}

const char *kctl_strerror(int err)
{
	switch (err) {
	case -ESRCH: return "no such domain";
	case -EALREADY: return "the domain is already in that state";
	case -ESHUTDOWN: return "the domain has stopped (shut down or crashed)";
	case -EBUSY: return "the domain is running; pause it first";
	case -ENOEXEC: return "not runnable: vCPU 0 has no context, or the image is not an ELF";
	case -EACCES: return "permission denied (root or ketch-hv's own user only)";
	case -EPROTO: return "protocol error (bad magic, version or framing)";
	case -EMSGSIZE: return "message too large";
	case -EOPNOTSUPP: return "unknown operation";
	case -EINVAL: return "invalid argument";
	case -EUSERS: return "too many connections or subscribers";
	case -ENOENT: return "no ketch-hv socket at that path";
	case -ECONNREFUSED: return "nothing listens on the socket (is ketch-hv running?)";
	default: return strerror(-err);
	}
}
