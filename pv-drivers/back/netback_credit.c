/*
 * netback_credit.c - the tx rate limit (netback_credit.h), Linux
 * xen-netback's credit scheduler without its jiffies: credit is added one
 * interval's worth at a time, never beyond the burst cap, either when a
 * packet finds the interval over or when the timer set for a waiting
 * packet expires.  One difference: a packet still short after a refill
 * waits a whole interval, where Linux's timer (set at the end of an
 * interval that has already passed) fires at once and refills again, so a
 * vif never runs ahead of its rate after an idle spell.
 */
#include <stdlib.h>

#include "netback_credit.h"

#define NS_PER_US 1000u
#define NS_PER_MS 1000000u

bool nb_credit_parse(const char *s, uint64_t *bytes, uint64_t *usecs)
{
	char *end;
	unsigned long long b, u;

	if (!s || *s < '0' || *s > '9')
		return false;
	b = strtoull(s, &end, 10);
	if (*end != ',' || end[1] < '0' || end[1] > '9')
		return false;
	u = strtoull(end + 1, &end, 10);
	if (*end || u > UINT32_MAX) /* libxl writes a uint32_t */
		return false;
	*bytes = b;
	*usecs = u;
	return true;
}

/* One interval's credit more, up to the burst cap. */
static void add_credit(struct nb_credit *c)
{
	uint64_t cap = c->bytes > NB_CREDIT_BURST_MIN ? c->bytes : NB_CREDIT_BURST_MIN;
	uint64_t more = c->remaining + c->bytes;

	if (more < c->remaining) /* wrapped */
		more = UINT64_MAX;
	c->remaining = more < cap ? more : cap;
}

void nb_credit_init(struct nb_credit *c, uint64_t bytes, uint64_t usecs, uint64_t now_ns)
{
	*c = (struct nb_credit){ .bytes = bytes, .interval_ns = usecs * NS_PER_US,
				 .remaining = bytes, .window_ns = now_ns };
}

void nb_credit_change(struct nb_credit *c, uint64_t bytes, uint64_t usecs, uint64_t now_ns)
{
	if (!usecs) {
		nb_credit_init(c, bytes, 0, now_ns);
		return;
	}
	if (!c->interval_ns) /* was unlimited: start afresh */
		c->window_ns = now_ns, c->remaining = bytes;
	c->bytes = bytes;
	c->interval_ns = usecs * NS_PER_US;
	if (c->remaining > bytes)
		c->remaining = bytes;
}

bool nb_credit_take(struct nb_credit *c, uint32_t size, uint64_t now_ns)
{
	if (!c->interval_ns)
		return true;
	if (c->timer_ns) {
		if (now_ns < c->timer_ns)
			return false;
		c->window_ns = c->timer_ns; /* the timer's own refill */
		c->timer_ns = 0;
		add_credit(c);
	}
	if (size > c->remaining && now_ns >= c->window_ns + c->interval_ns) {
		c->window_ns = now_ns; /* an interval passed since the last refill */
		add_credit(c);
	}
	if (size > c->remaining) {
		c->timer_ns = c->window_ns + c->interval_ns;
		return false;
	}
	c->remaining -= size;
	return true;
}

int nb_credit_wait_ms(const struct nb_credit *c, uint64_t now_ns)
{
	uint64_t ms;

	if (!c->timer_ns)
		return -1;
	if (now_ns >= c->timer_ns)
		return 0;
	ms = (c->timer_ns - now_ns + NS_PER_MS - 1) / NS_PER_MS;
	return ms > 3600000 ? 3600000 : (int)ms;
}
