/* Quotas: Xen's limits (configurable) and the per-domain node counts. */
#ifndef XS_QUOTA_H
#define XS_QUOTA_H

#include <stddef.h>
#include <stdint.h>

/* Limits for unprivileged domains; the control domain is exempt, as in Xen. */
struct xs_quota {
	unsigned nodes;        /* nodes owned per domain (Xen: 1000)          -> ENOSPC */
	unsigned value_size;   /* bytes per node value (Xen: 2048)            -> ENOSPC */
	unsigned watches;      /* watches per connection (Xen: 128)           -> E2BIG  */
	unsigned transactions; /* open transactions per connection (Xen: 10)  -> ENOSPC */
	unsigned perms;        /* permission entries per node (Xen: 5)        -> ENOSPC */
	unsigned tx_entries;   /* paths touched + operations per transaction  -> ENOSPC */
	unsigned outstanding;  /* requests handled per connection per turn (Xen: 20) */
	size_t out_queue;      /* queued reply bytes before the daemon stops reading */
	size_t event_queue;    /* queued bytes beyond which watch events are dropped */
	size_t memory;         /* bytes held per domain: transactions + queued output (Xen: 2.5M) */
};

/* Fills q with the defaults above. */
void xs_quota_defaults(struct xs_quota *q);

/* Sets one limit from "name=value" (names as in struct xs_quota); 0 or -EINVAL. */
int xs_quota_set(struct xs_quota *q, const char *assignment);

/* Nodes owned by each domain id, kept up to date by the global store. */
struct xs_quota_counts {
	int32_t owned[65536];
};

#endif
