/* hc_version.c - HYPERVISOR_xen_version: what the guest learns about us. */
#include <stdint.h>
#include <string.h>
#include <xen/errno.h>
#include <xen/features.h>
#include <xen/version.h>

#include "hv.h"
#include "ketch/abi.h"

#ifndef KETCH_VERSION
#define KETCH_VERSION "unknown"
#endif

/* The Xen interface Ketch implements: that of the installed headers. */
#define HV_XEN_MAJOR 4
#define HV_XEN_MINOR 17

/* Features really offered (docs/abi.md). */
static uint32_t features(unsigned int idx)
{
	if (idx != 0)
		return 0;
	return (1u << XENFEAT_writable_page_tables) |
	       (1u << XENFEAT_auto_translated_physmap);
}

static long put(struct vcpu *v, uint64_t va, const void *src, size_t len)
{
	return gm_copy_to(v, va, src, len) ? -XEN_EFAULT : 0;
}

static long compile_info(struct vcpu *v, uint64_t va)
{
	xen_compile_info_t ci;

	memset(&ci, 0, sizeof(ci));
	strncpy(ci.compiler, "gcc " __VERSION__, sizeof(ci.compiler) - 1);
	strncpy(ci.compile_by, "ketch", sizeof(ci.compile_by) - 1);
	strncpy(ci.compile_domain, "ketch", sizeof(ci.compile_domain) - 1);
	strncpy(ci.compile_date, __DATE__, sizeof(ci.compile_date) - 1);
	return put(v, va, &ci, sizeof(ci));
}

static long get_features(struct vcpu *v, uint64_t va)
{
	xen_feature_info_t fi;

	if (gm_copy_from(v, &fi, va, sizeof(fi)))
		return -XEN_EFAULT;
	fi.submap = features(fi.submap_idx);
	return put(v, va, &fi, sizeof(fi));
}

static long strings(struct vcpu *v, uint64_t cmd, uint64_t va)
{
	char buf[1024];
	size_t len;

	memset(buf, 0, sizeof(buf));
	switch (cmd) {
	case XENVER_extraversion:
		strcpy(buf, ".0-ketch");
		len = sizeof(xen_extraversion_t);
		break;
	case XENVER_capabilities:
		strcpy(buf, "xen-3.0-x86_64");
		len = sizeof(xen_capabilities_info_t);
		break;
	case XENVER_changeset:
		strncpy(buf, "ketch " KETCH_VERSION, sizeof(xen_changeset_info_t) - 1);
		len = sizeof(xen_changeset_info_t);
		break;
	default: /* XENVER_commandline: the hypervisor has none */
		len = sizeof(xen_commandline_t);
		break;
	}
	return put(v, va, buf, len);
}

long hc_xen_version(struct vcpu *v, const uint64_t a[6])
{
	uint64_t cmd = a[0], va = a[1];

	switch (cmd) {
	case XENVER_version:
		return (HV_XEN_MAJOR << 16) | HV_XEN_MINOR;
	case XENVER_extraversion:
	case XENVER_capabilities:
	case XENVER_changeset:
	case XENVER_commandline:
		return strings(v, cmd, va);
	case XENVER_compile_info:
		return compile_info(v, va);
	case XENVER_platform_parameters: {
		/* Guests may not use the upper half: that is "the hypervisor's". */
		xen_platform_parameters_t pp = { .virt_start = 0x0000800000000000ULL };
		return put(v, va, &pp, sizeof(pp));
	}
	case XENVER_get_features:
		return get_features(v, va);
	case XENVER_pagesize:
		return HV_PAGE_SIZE;
	case XENVER_guest_handle:
		return put(v, va, v->d->handle, sizeof(xen_domain_handle_t));
	case KETCH_XENVER_domid:
		return v->d->domid;
	default:
		return -XEN_ENOSYS;
	}
}
