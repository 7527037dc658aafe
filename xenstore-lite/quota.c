/* Quotas: Xen's limits (configurable) and the per-domain node counts. */
#include "quota.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void xs_quota_defaults(struct xs_quota *q)
{
	q->nodes = 1000;
	q->value_size = 2048;
	q->watches = 128;
	q->transactions = 10;
	q->perms = 5;
	q->tx_entries = 4096;
	q->outstanding = 20;
	q->out_queue = 64 * 1024;
	q->event_queue = 1024 * 1024;
	q->memory = 2 * 1024 * 1024 + 512 * 1024;
}

int xs_quota_set(struct xs_quota *q, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	char *end;
	unsigned long v;
	size_t n;

	if (!eq || eq[1] < '0' || eq[1] > '9')
		return -EINVAL;
	n = (size_t)(eq - assignment);
	v = strtoul(eq + 1, &end, 10);
	if (*end || v > 0x7fffffffUL)
		return -EINVAL;
#define SET(f)                                                                           \
	if (n == strlen(#f) && strncmp(assignment, #f, n) == 0) {                          \
		q->f = v;                                                                  \
		return 0;                                                                  \
	}
	SET(nodes) SET(value_size) SET(watches) SET(transactions) SET(perms) SET(tx_entries)
	SET(outstanding) SET(out_queue) SET(event_queue) SET(memory)
#undef SET
	return -EINVAL;
}
