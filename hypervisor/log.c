/* log.c - the hypervisor log: timestamped lines to stderr or a chosen sink. */
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <pthread.h>
#include <signal.h>

#include "hv.h"

static void (*log_sink)(const char *line, void *opaque);
static void *log_opaque;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void hv_log_set_sink(void (*fn)(const char *line, void *opaque), void *opaque)
{
	pthread_mutex_lock(&log_lock);
	log_sink = fn;
	log_opaque = opaque;
	pthread_mutex_unlock(&log_lock);
}

void hv_log(const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	va_list ap;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	n = snprintf(line, sizeof(line), "(ketch-hv %ld.%03ld) ", (long)ts.tv_sec,
		     ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&log_lock);
	if (log_sink)
		log_sink(line, log_opaque);
	else
		fprintf(stderr, "%s\n", line);
	pthread_mutex_unlock(&log_lock);
}

/*
 * Start a hypervisor service thread with every signal blocked, so process
 * signals (SIGTERM for a clean stop) reach the thread that waits for them
 * and vCPU kicks reach only vCPU threads.
 */
int hv_thread_create(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}
