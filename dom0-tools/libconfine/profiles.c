/*
 * profiles.c - each daemon's confinement: what it still calls once its
 * setup is done, beyond kcf_base_syscalls (include/ketch/confine.h).
 * Every profile kills on a fatal call (kcf_opts.kill): a hypervisor or a
 * backend that tries to execute a program or trace a process is serving
 * an attacker, and stopping it costs less than letting it go on.
 */
#include <linux/kvm.h>
#include <stddef.h>

#include "ketch/confine.h"

/*
 * ketch-hv: the VM and vCPU ioctls it makes while domains come and go
 * (KVM_GET_API_VERSION and KVM_GET_VCPU_MMAP_SIZE run once, before).  A
 * filter cannot tell a KVM descriptor from another, but these numbers
 * belong to KVM's own ioctl type (0xAE).
 */
static const unsigned long hv_ioctls[] = {
	KVM_CHECK_EXTENSION, KVM_CREATE_VM, KVM_SET_USER_MEMORY_REGION,
	KVM_CREATE_VCPU, KVM_GET_SUPPORTED_CPUID, KVM_SET_CPUID2,
	KVM_GET_SREGS, KVM_SET_SREGS, KVM_GET_REGS, KVM_SET_REGS, KVM_RUN,
	KVM_IOEVENTFD, KVM_GET_MSRS, KVM_SET_MSRS, KVM_GET_TSC_KHZ,
	KVM_GET_DIRTY_LOG,           /* live migration's pre-copy rounds */
	0
};

static const char *const hv_extra[] = {
	"memfd_create", "fallocate", /* guest RAM, ballooning */
	"rseq",                      /* vCPU and log-writer threads */
	"dup2", "dup3",              /* freopen() of a rotated log */
	"sysinfo",                   /* sysconf(_SC_PHYS_PAGES) */
	NULL
};

int kcf_confine_hv(char *err, size_t errlen)
{
	struct kcf_opts o = {
		.extra = hv_extra, .ioctls = hv_ioctls, .threads = true,
		.open_write_only = true, .kill = true, .name = "ketch-hv",
	};

	return kcf_confine(&o, err, errlen);
}

/*
 * The backends: libxenstore's reader thread, grant mappings of the
 * guest's memfd, event-channel eventfds, their own files by descriptor.
 * Nothing is opened by name once they serve (opens are for writing only,
 * which stdio's error paths never need).
 */
static const char *const blkback_extra[] = {
	"io_uring_enter", "io_uring_register", /* the ring made during setup */
	"rseq", "fallocate", "flock",
	"pipe", "pipe2", /* libxenstore's watch pipe, made by xs_fileno() */
	/* stopping and reaping its NBD server, by the pidfd opened at setup */
	"pidfd_send_signal", "waitid",
	NULL
};

static const char *const netback_extra[] = {
	"rseq",
	"pipe", "pipe2", /* libxenstore's watch pipe, made by xs_fileno() */
	NULL
};

int kcf_confine_blkback(const char *user, char *err, size_t errlen)
{
	struct kcf_opts o = {
		.user = user, .extra = blkback_extra, .threads = true,
		.open_write_only = true, .kill = true, .name = "ketch-blkback",
	};

	return kcf_confine(&o, err, errlen);
}

int kcf_confine_netback(const char *user, char *err, size_t errlen)
{
	struct kcf_opts o = {
		.user = user, .extra = netback_extra, .threads = true,
		.open_write_only = true, .kill = true, .name = "ketch-netback",
	};

	return kcf_confine(&o, err, errlen);
}
