/*
 * backend_main.h - the process skeleton every control-domain backend
 * shares (ketch-blkback, ketch-netback): the options all of them take,
 * the log prefix naming the device, confinement around start-up (docs/
 * security.md), the signal and xenstore halves of one poll loop, and the
 * clean way out.  A backend describes what is its own in a struct
 * bk_program and hands main() to bk_main.
 */
#ifndef KETCH_BACKEND_MAIN_H
#define KETCH_BACKEND_MAIN_H

#include <getopt.h>
#include <poll.h>
#include <stddef.h>

#include "backend_xenbus.h"

/* Descriptors a backend may add to the loop's poll. */
#define BK_POLL_MAX 8
/* Options of its own a backend may have. */
#define BK_OPTS_MAX 8

struct bk_program {
	const char *name;          /* "ketch-blkback": messages and probes */
	const char *usage;         /* its own options, for the usage line */
	const struct option *opts; /* its own options (at most BK_OPTS_MAX), zero-ended */
	/* Take its option c (getopt's value) with arg; false if bad. */
	bool (*opt)(void *be, int c, const char *arg);
	/* After every option: false if they do not make a device (NULL:
	 * any do). */
	bool (*check)(void *be);
	uint64_t early_caps;       /* capabilities kept until set up */
	/* The seccomp allow-list and --user (libconfine's kcf_confine_*). */
	int (*confine)(const char *user, char *err, size_t errlen);
	/* Open everything the device needs; 0 or a negative errno (logged). */
	int (*start)(void *be);
	/* Fill p with its descriptors (at most BK_POLL_MAX) and say how long
	 * to wait (ms, -1 forever); returns how many. */
	int (*poll_fds)(void *be, struct pollfd *p, int *timeout);
	/* The frontend's state changed to fs. */
	void (*follow)(void *be, XenbusState fs);
	/* Leave the frontend (nothing to do if not connected). */
	void (*disconnect)(void *be);
	/* After each poll: n its result, p its descriptors as filled. */
	void (*work)(void *be, int n, const struct pollfd *p);
	/* SIGUSR1, if not NULL (else the signal is left to its default). */
	void (*on_usr1)(void *be);
	/* The loop ended: say Closed, log what was done. */
	void (*stop)(void *be);
	/* Free what start opened; safe on a half-started backend. */
	void (*release)(void *be);
};

/*
 * Run the backend be (whose device and xenstore state is x) as main() of
 * its process: 2 on bad options (usage printed), 1 when it cannot start,
 * 0 when it was stopped or its device is gone (1 if it left with
 * x->failed set: it broke while serving and asks to be restarted).
 */
int bk_main(const struct bk_program *p, struct bkx *x, void *be, int argc, char **argv);

/* A line on stderr, prefixed "<program> d<domid>/<devid>: ". */
void bk_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A decimal uint32_t; false if s is not one. */
bool bk_parse_u32(const char *s, uint32_t *v);

#endif
