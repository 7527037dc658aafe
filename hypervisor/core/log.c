/*
 * log.c - the hypervisor log: timestamped lines to stderr (or a --log
 * file, rotated) or a chosen sink, written by one writer thread so that
 * no logger ever waits on output; the last HV_LOG_LINES lines are also
 * kept in a ring for HV_LOG readers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

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

/*
 * Output.  Lines are queued under log_lock and written by one writer
 * thread with no lock held, so a stderr (or log file, or sink) that
 * blocks delays only that thread: loggers never wait for it.  The queue
 * is bounded; lines that do not fit are counted and the count is written
 * when there is room again.
 */
#define OUT_LINES 1024
static char out_q[OUT_LINES][HV_LOG_LINE_MAX];
static unsigned int out_head, out_len;  /* under log_lock */
static uint64_t out_dropped;
static bool out_busy;                   /* the writer holds a line */
static pthread_cond_t out_cond = PTHREAD_COND_INITIALIZER;  /* work to do */
static pthread_cond_t out_idle = PTHREAD_COND_INITIALIZER;  /* queue drained */
static pthread_once_t out_once = PTHREAD_ONCE_INIT;
static const char *out_path;  /* --log FILE, rotated past out_max bytes */
static uint64_t out_max, out_size;

static void rotate_if_big(size_t adding)
{
	char old[4096];

	if (!out_path || out_size + adding <= out_max)
		return;
	snprintf(old, sizeof(old), "%s.1", out_path);
	rename(out_path, old);
	if (freopen(out_path, "a", stderr))
		setvbuf(stderr, NULL, _IOLBF, 0);
	out_size = 0;
}

static void emit(const char *line, void (*sink)(const char *, void *), void *opaque)
{
	if (sink) {
		sink(line, opaque);
		return;
	}
	rotate_if_big(strlen(line) + 1);
	fprintf(stderr, "%s\n", line);
	out_size += strlen(line) + 1;
}

static void *writer(void *arg)
{
	static char line[HV_LOG_LINE_MAX];

	(void)arg;
	pthread_mutex_lock(&log_lock);
	for (;;) {
		void (*sink)(const char *, void *);
		void *opaque;

		while (!out_len && !out_dropped) {
			pthread_cond_broadcast(&out_idle);
			pthread_cond_wait(&out_cond, &log_lock);
		}
		if (out_len) {
			memcpy(line, out_q[out_head], HV_LOG_LINE_MAX);
			out_head = (out_head + 1) % OUT_LINES;
			out_len--;
		} else {
			snprintf(line, sizeof(line), "(ketch-hv) %llu log lines dropped: output blocked",
				 (unsigned long long)out_dropped);
			out_dropped = 0;
		}
		sink = log_sink;
		opaque = log_opaque;
		out_busy = true;
		pthread_mutex_unlock(&log_lock);
		emit(line, sink, opaque); /* may block: nobody waits for it */
		pthread_mutex_lock(&log_lock);
		out_busy = false;
	}
	return NULL;
}

/* At exit, give the writer a moment to drain what is queued. */
static void drain_at_exit(void)
{
	hv_log_flush(1000);
}

static void start_writer(void)
{
	pthread_t t;

	if (hv_thread_create(&t, writer, NULL) == 0) {
		pthread_detach(t);
		atexit(drain_at_exit);
	}
}

void hv_deadline(struct timespec *ts, int timeout_ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

void hv_log_flush(int timeout_ms)
{
	struct timespec ts;

	hv_deadline(&ts, timeout_ms);
	pthread_mutex_lock(&log_lock);
	while (out_len || out_dropped || out_busy)
		if (pthread_cond_timedwait(&out_idle, &log_lock, &ts))
			break;
	pthread_mutex_unlock(&log_lock);
}

void hv_log_set_file(const char *path, uint64_t max_bytes)
{
	struct stat st;

	pthread_mutex_lock(&log_lock);
	out_path = path;
	out_max = max_bytes;
	out_size = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
	pthread_mutex_unlock(&log_lock);
}

static void enqueue_locked(const char *line)
{
	if (out_len == OUT_LINES) {
		out_dropped++;
	} else {
		snprintf(out_q[(out_head + out_len) % OUT_LINES], HV_LOG_LINE_MAX, "%s", line);
		out_len++;
	}
	pthread_cond_signal(&out_cond);
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
	pthread_once(&out_once, start_writer);
	pthread_mutex_lock(&log_lock);
	ring_add(line);
	enqueue_locked(line);
	pthread_mutex_unlock(&log_lock);
}

size_t hv_log_escape(char *out, size_t cap, const char *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (!cap)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		bool plain = c >= 0x20 && c < 0x7f && c != '\\';

		if (o + (plain ? 1 : 4) >= cap)
			break;
		if (plain) {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = 0;
	return i;
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
