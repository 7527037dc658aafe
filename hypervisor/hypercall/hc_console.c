/*
 * hc_console.c - HYPERVISOR_console_io: the hypervisor console.  Writes go
 * to the domain's console sink (stdout in `ketch-hv run`), else into the
 * log: there one line per guest line, escaped (guest text can neither
 * start a log line of its own nor carry terminal escapes) and limited per
 * domain by a token bucket, the bytes refused counted and reported.
 * Reads drain the domain's console input buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdbool.h>
#include <xen/errno.h>

#include "hv.h"

#define CONSOLEIO_MAX 65536 /* bytes per call; larger is -EINVAL */
#define CHUNK 1024

/* May d log n more bytes now?  Takes them from its bucket (d->lock held). */
static bool take_tokens_locked(struct domain *d, size_t n)
{
	uint64_t now = hv_now_ns();
	uint64_t add = (now - d->console_refill_ns) * HV_CONSOLE_LOG_RATE / 1000000000ULL;

	if (add) {
		d->console_tokens += add;
		if (d->console_tokens > HV_CONSOLE_LOG_BURST || !d->console_refill_ns)
			d->console_tokens = HV_CONSOLE_LOG_BURST;
		d->console_refill_ns = now;
	}
	if (d->console_tokens < n) {
		d->console_dropped += n;
		return false;
	}
	d->console_tokens -= n;
	return true;
}

void console_report_dropped(struct domain *d, bool now)
{
	uint64_t dropped = 0, t = hv_now_ns();

	pthread_mutex_lock(&d->lock);
	if (now || t - d->console_reported_ns >= 1000000000ULL) {
		dropped = d->console_dropped;
		d->console_dropped = 0;
		d->console_reported_ns = t;
	}
	pthread_mutex_unlock(&d->lock);
	if (dropped)
		hv_log("d%u: console: %llu bytes dropped (over %u bytes/s)", d->domid,
		       (unsigned long long)dropped, HV_CONSOLE_LOG_RATE);
}

/* One guest line (no newline in it) into the log, escaped, in pieces that fit. */
static void log_line(struct domain *d, const char *s, size_t n)
{
	char esc[HV_LOG_LINE_MAX - 64];
	bool ok;

	pthread_mutex_lock(&d->lock);
	ok = take_tokens_locked(d, n ? n : 1);
	pthread_mutex_unlock(&d->lock);
	if (!ok)
		return;
	console_report_dropped(d, false); /* the gap comes before this line */
	do {
		size_t used = hv_log_escape(esc, sizeof(esc), s, n);

		hv_log("d%u: %s", d->domid, esc);
		s += used;
		n -= used;
	} while (n);
}

static void log_text(struct domain *d, const char *buf, size_t n)
{
	while (n) {
		const char *nl = memchr(buf, '\n', n);
		size_t len = nl ? (size_t)(nl - buf) : n;

		log_line(d, buf, len);
		len += nl != NULL;
		buf += len;
		n -= len;
	}
}

static long console_write(struct vcpu *v, uint64_t count, uint64_t va)
{
	struct domain *d = v->d;
	char buf[CHUNK];

	if (count > CONSOLEIO_MAX)
		return -XEN_EINVAL;
	for (uint64_t done = 0; done < count;) {
		size_t n = count - done > CHUNK ? CHUNK : (size_t)(count - done);

		if (gm_copy_from(v, buf, va + done, n))
			return -XEN_EFAULT;
		if (d->console_fn)
			d->console_fn(d, buf, n, d->console_opaque);
		else
			log_text(d, buf, n);
		done += n;
	}
	return 0;
}

static long console_read(struct vcpu *v, uint64_t count, uint64_t va)
{
	struct domain *d = v->d;
	char buf[HV_CONSOLE_IN_SIZE];
	size_t n;

	if (count > CONSOLEIO_MAX)
		return -XEN_EINVAL;
	/*
	 * Take the bytes out in one locked step: two vCPUs reading at once
	 * must each get their own bytes, and measuring under one lock and
	 * consuming under another let both consume the same n (the length
	 * then wrapped).  The copy to the guest, which may fault, is outside.
	 */
	pthread_mutex_lock(&d->lock);
	n = d->console_in_len < count ? d->console_in_len : (size_t)count;
	memcpy(buf, d->console_in, n);
	memmove(d->console_in, d->console_in + n, d->console_in_len - n);
	d->console_in_len -= n;
	pthread_mutex_unlock(&d->lock);
	if (n && gm_copy_to(v, va, buf, n))
		return -XEN_EFAULT; /* the bytes are gone, as from Xen's ring */
	return (long)n;
}

long hc_console_io(struct vcpu *v, const uint64_t a[6])
{
	switch (a[0]) {
	case CONSOLEIO_write:
		return console_write(v, a[1], a[2]);
	case CONSOLEIO_read:
		return console_read(v, a[1], a[2]);
	default:
		return -XEN_ENOSYS;
	}
}
