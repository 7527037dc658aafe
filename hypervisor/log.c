/*
 * log.c - the hypervisor log: timestamped lines to stderr or a chosen sink,
 * the last HV_LOG_LINES of them also kept in a ring for HV_LOG readers.
 */
#include <stdint.h>
#include <string.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <pthread.h>
#include <signal.h>

#include "hv.h"

static void (*log_sink)(const char *line, void *opaque);
static void *log_opaque;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The ring (under log_lock): line number seq lives in slot seq % HV_LOG_LINES
 * while seq >= log_next - HV_LOG_LINES.  A fixed array, so the memory is
 * bounded (HV_LOG_LINES * HV_LOG_LINE_MAX) whatever is logged.
 */
static char log_ring[HV_LOG_LINES][HV_LOG_LINE_MAX];
static uint64_t log_next;   /* sequence number of the next line */
static uint64_t log_oldest; /* lines before it were cleared */

static void ring_add(const char *line)
{
	snprintf(log_ring[log_next % HV_LOG_LINES], HV_LOG_LINE_MAX, "%s", line);
	log_next++;
}

size_t hv_log_read(uint64_t from, char *buf, size_t cap, uint64_t *first, uint64_t *next)
{
	size_t used = 0;
	uint64_t seq;

	pthread_mutex_lock(&log_lock);
	seq = log_next > HV_LOG_LINES && from < log_next - HV_LOG_LINES
		      ? log_next - HV_LOG_LINES : from;
	if (seq < log_oldest)
		seq = log_oldest;
	if (seq > log_next)
		seq = log_next;
	*first = seq;
	for (; seq < log_next; seq++) {
		const char *l = log_ring[seq % HV_LOG_LINES];
		size_t n = strlen(l);

		if (used + n + 1 > cap)
			break;
		memcpy(buf + used, l, n);
		buf[used + n] = '\n';
		used += n + 1;
	}
	*next = seq;
	pthread_mutex_unlock(&log_lock);
	return used;
}

void hv_log_clear(uint64_t upto)
{
	pthread_mutex_lock(&log_lock);
	if (upto > log_oldest && upto <= log_next)
		log_oldest = upto;
	pthread_mutex_unlock(&log_lock);
}

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
	ring_add(line);
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
