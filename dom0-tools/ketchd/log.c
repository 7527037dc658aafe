/*
 * log.c - ketchd's diagnostics: one line each on stderr, prefixed
 * "ketchd:", and the monotonic clock the deadlines use.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "ketchd.h"

void kd_log(const char *fmt, ...)
{
	va_list ap;
	char line[1024];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "ketchd: %s\n", line);
}

int64_t kd_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t kd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
