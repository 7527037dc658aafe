/*
 * Ending and yielding: wrappers over SCHEDOP_shutdown, SCHEDOP_shutdown_code
 * and SCHEDOP_yield.  Guests cannot halt (no hlt in ring 3), so a shutdown
 * that returns is a bug and ends in a deliberate fault.
 */
#ifndef KETCH_GUEST_SCHED_H
#define KETCH_GUEST_SCHED_H

#include <xen/sched.h>

/* Shut the domain down with a SHUTDOWN_* reason.  Does not return. */
__attribute__((noreturn)) void shutdown(unsigned int reason);

/*
 * Record code with SCHEDOP_shutdown_code (the exit code a controller
 * reports), then power off.  Does not return.
 */
__attribute__((noreturn)) void shutdown_code(unsigned int code);

/* Print "crash: <msg>" and shut down with SHUTDOWN_crash.  No return. */
__attribute__((noreturn)) void crash(const char *msg);

/* Give up the CPU (SCHEDOP_yield). */
void sched_yield(void);

/* Crash with file/line when cond is false. */
#define BUG_ON(cond)                                                        \
	do {                                                                \
		if (cond)                                                   \
			crash_at(__FILE__, __LINE__, #cond);                \
	} while (0)

/* BUG_ON's reporter. */
__attribute__((noreturn)) void crash_at(const char *file, int line,
					const char *what);

#endif
