/*
 * enosys: hypercall numbers the hypervisor does not implement must return
 * -ENOSYS (not crash, not succeed).  Exit code = number of failures.
 */
#include "verdict.h"

/* Numbers inside the hypercall page with no Ketch handler. */
static const struct {
	const char *name;
	unsigned int nr;
} unimplemented[] = {
	{ "xenoprof_op", __HYPERVISOR_xenoprof_op },
	{ "tmem_op", __HYPERVISOR_tmem_op },
	{ "argo_op", __HYPERVISOR_argo_op },
	{ "hypfs_op", __HYPERVISOR_hypfs_op },
	{ "unassigned_43", 43 },
	{ "arch_7", __HYPERVISOR_arch_7 },
	{ "unassigned_63", 63 },
	{ "unassigned_100", 100 },
	{ "last_stub_127", 127 },
};

int main(const start_info_t *si)
{
	(void)si;
	verdict_rc("kexec_op(wrapper)", HYPERVISOR_kexec_op(0, NULL), -XEN_ENOSYS);
	for (unsigned int i = 0; i < ARRAY_SIZE(unimplemented); i++) {
		char name[48];
		long rc = HYPERVISOR_raw(unimplemented[i].nr, 0, 0, 0, 0, 0);

		snprintf(name, sizeof(name), "%s(%u)", unimplemented[i].name,
			 unimplemented[i].nr);
		verdict_rc(name, rc, -XEN_ENOSYS);
	}
	return verdict_done("enosys");
}
