/* Multicall batches over HYPERVISOR_multicall. */
#include <ketch-guest/kit.h>

void multicall_set(multicall_entry_t *e, unsigned long op, unsigned long a0,
		   unsigned long a1, unsigned long a2, unsigned long a3,
		   unsigned long a4, unsigned long a5)
{
	e->op = op;
	e->result = 0;
	e->args[0] = a0;
	e->args[1] = a1;
	e->args[2] = a2;
	e->args[3] = a3;
	e->args[4] = a4;
	e->args[5] = a5;
}

int multicall_run(multicall_entry_t *calls, unsigned int n,
		  unsigned int *first_error)
{
	int rc = HYPERVISOR_multicall(calls, n);
	unsigned int i;

	if (rc < 0 || !first_error)
		return rc;
	for (i = 0; i < n; i++)
		if ((long)calls[i].result < 0 && (long)calls[i].result >= -4095)
			break;
	*first_error = i;
	return rc;
}
