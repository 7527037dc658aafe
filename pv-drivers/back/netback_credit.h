/*
 * netback_credit.h - the rate limit on what a guest transmits (xl's
 * rate=, libxl's backend node "rate" = "<bytes>,<usecs>"), applied as
 * Linux's xen-netback applies it: a credit of <bytes> each interval of
 * <usecs>, every packet charged its size when it is taken from the tx
 * ring, and a packet beyond what is left waits for the next interval.
 * No clock is read here: every call is given the time, so the logic is
 * testable without waiting.
 */
#ifndef KETCH_NETBACK_CREDIT_H
#define KETCH_NETBACK_CREDIT_H

#include <stdbool.h>
#include <stdint.h>

/* A packet may always pass eventually: the credit may pile up to this
 * (or one interval's worth, if larger), more than the largest packet a
 * frontend can describe (a 16-bit size), as in Linux's netback. */
#define NB_CREDIT_BURST_MIN 131072u

struct nb_credit {
	uint64_t bytes;      /* credit added each interval */
	uint64_t interval_ns; /* 0: no limit */
	uint64_t remaining;  /* what may still pass before the next credit */
	uint64_t window_ns;  /* when the current interval began */
	uint64_t timer_ns;   /* while a packet waits: when credit comes; else 0 */
};

/* "<bytes>,<usecs>" as libxl writes it; false if s is not that (Linux's
 * netback then leaves the vif unlimited, and so do we). */
bool nb_credit_parse(const char *s, uint64_t *bytes, uint64_t *usecs);
/* Start limiting to bytes per usecs from now (usecs 0: no limit), with a
 * full interval's credit, as at a connection. */
void nb_credit_init(struct nb_credit *c, uint64_t bytes, uint64_t usecs, uint64_t now_ns);
/* The limit changed while connected: what is left is cut to the new
 * interval's credit; a packet waiting keeps its timer. */
void nb_credit_change(struct nb_credit *c, uint64_t bytes, uint64_t usecs, uint64_t now_ns);
/* May a packet of size bytes pass now?  True: it was charged.  False: it
 * must wait, and the timer is set (nb_credit_wait_ms). */
bool nb_credit_take(struct nb_credit *c, uint32_t size, uint64_t now_ns);
/* How long until the timer: -1 when no packet waits, else at least 1 ms
 * (rounded up: a wake before the credit would only set it again). */
int nb_credit_wait_ms(const struct nb_credit *c, uint64_t now_ns);

#endif
