/*
 * PASS/FAIL lines for the test guests: one line per check, a failure
 * count that becomes the exit code, and a closing verdict line.
 */
#ifndef TESTS_GUESTS_VERDICT_H
#define TESTS_GUESTS_VERDICT_H

#include <ketch-guest/kit.h>

static unsigned int verdict_failures;

/* Report one check: "PASS name" or "FAIL name (detail)". */
static inline void verdict_check(int ok, const char *name, const char *detail)
{
	if (ok) {
		printk("PASS %s\n", name);
	} else {
		printk("FAIL %s (%s)\n", name, detail);
		verdict_failures++;
	}
}

/* Check that a hypercall returned want; prints both values on failure. */
static inline void verdict_rc(const char *name, long got, long want)
{
	char detail[64];

	snprintf(detail, sizeof(detail), "got %ld, want %ld", got, want);
	verdict_check(got == want, name, detail);
}

/* Print "<guest>: N failures" and return N, the guest's exit code. */
static inline int verdict_done(const char *guest)
{
	printk("%s: %s, %u failures\n", guest,
	       verdict_failures ? "FAIL" : "PASS", verdict_failures);
	return (int)verdict_failures;
}

#endif
