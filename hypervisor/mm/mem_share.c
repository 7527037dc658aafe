/*
 * mem_share.c - a clone's memory, copy-on-write from a memory image.
 *
 * A domain's RAM is its memfd, mapped at d->mem and reached the same way
 * by every process that serves it (backends, ketchd, ketch-xenstored).
 * A clone's RAM is instead mapped privately from an image (a sealed memfd
 * holding the saved pages), so N clones share every page none of them
 * wrote.  What other processes reach through the memfd must then be put
 * there first: mem_share copies a page into the memfd and maps it from
 * there (MAP_FIXED over the private page), after which the guest, ketch-hv
 * and the other processes all see one page again.  A page, once shared,
 * stays so.  The copy must not race a write to the page, so the domain's
 * vCPUs are held out (mem_rw, see hv.h) while it happens; ketch-hv's other
 * threads write only shared_info and vcpu_info pages, which are shared
 * before they are used (by the restore, and at VCPUOP_register_vcpu_info).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hv.h"

#define SHARE_WAIT_MS 2000 /* for the vCPUs to leave; then -EBUSY, retry */

static bool cow_test(const struct domain *d, uint64_t p)
{
	return d->cow[p / 64] >> (p % 64) & 1;
}

static void cow_clear(struct domain *d, uint64_t p)
{
	d->cow[p / 64] &= ~(1ull << (p % 64));
}

void mem_share_init(struct domain *d)
{
	pthread_rwlockattr_t a;

	/* Writer first: vCPU threads re-take it in a loop and would starve a share. */
	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&d->mem_rw, &a);
	pthread_rwlockattr_destroy(&a);
	pthread_mutex_init(&d->share_lock, NULL);
}

void mem_share_free(struct domain *d)
{
	free(d->cow);
	d->cow = NULL;
	free(d->dirty);
	d->dirty = NULL;
	pthread_rwlock_destroy(&d->mem_rw);
	pthread_mutex_destroy(&d->share_lock);
}

/* Only a domain nothing has been written into yet may take an image. */
static bool untouched(struct domain *d)
{
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		if (d->vcpus[i].initialised || d->vcpus[i].online)
			return false;
	return d->shared_info_gpa == ~0ULL && d->hypercall_page_gpa == ~0ULL && !d->cow;
}

int mem_image_map(struct domain *d, int image_fd, uint64_t image_bytes)
{
	size_t words = (d->nr_pages + 63) / 64;
	uint64_t *cow;
	void *p;
	int r = 0;

	if (image_bytes != d->mem_bytes)
		return -EINVAL;
	cow = malloc(words * sizeof(*cow));
	if (!cow)
		return -ENOMEM;
	memset(cow, 0xff, words * sizeof(*cow));
	if (d->nr_pages % 64)
		cow[words - 1] = (1ull << (d->nr_pages % 64)) - 1;
	pthread_mutex_lock(&d->lock);
	pthread_mutex_lock(&d->share_lock);
	if (!untouched(d)) {
		r = -EBUSY;
	} else {
		p = mmap(d->mem, d->mem_bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, image_fd, 0);
		if (p == MAP_FAILED)
			r = -errno;
	}
	if (r == 0) {
		d->cow = cow;
		d->cow_pages = d->nr_pages;
		cow = NULL;
	}
	pthread_mutex_unlock(&d->share_lock);
	pthread_mutex_unlock(&d->lock);
	free(cow);
	return r;
}

int mem_image_adopt(struct domain *d, int image_fd, uint64_t image_bytes)
{
	void *p;
	int r = 0;

	if (image_bytes != d->mem_bytes)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	pthread_mutex_lock(&d->share_lock);
	if (!untouched(d)) {
		r = -EBUSY;
	} else {
		/* Over the slot KVM was given: its MMU notifier drops what it mapped. */
		p = mmap(d->mem, d->mem_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 image_fd, 0);
		if (p == MAP_FAILED)
			r = -errno;
	}
	if (r == 0) {
		close(d->memfd);
		d->memfd = image_fd;
	}
	pthread_mutex_unlock(&d->share_lock);
	pthread_mutex_unlock(&d->lock);
	return r;
}

/* Kick the vCPUs out of the guest and wait until none is running. */
static int hold_vcpus(struct domain *d)
{
	struct timespec ts;

	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		if (d->vcpus[i].thread_started)
			vcpu_kick(&d->vcpus[i]);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += SHARE_WAIT_MS / 1000;
	return pthread_rwlock_timedwrlock(&d->mem_rw, &ts) ? -EBUSY : 0;
}

/* Pages [p, p + n) into the memfd, then mapped from it. */
static int share_run(struct domain *d, uint64_t p, uint64_t n)
{
	uint8_t *at = d->mem + p * HV_PAGE_SIZE;
	size_t len = n * HV_PAGE_SIZE, done = 0;

	while (done < len) {
		ssize_t w = pwrite(d->memfd, at + done, len - done,
				   (off_t)(p * HV_PAGE_SIZE + done));

		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		done += (size_t)w;
	}
	if (mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, d->memfd,
		 (off_t)(p * HV_PAGE_SIZE)) == MAP_FAILED)
		return -errno;
	for (uint64_t i = p; i < p + n; i++)
		cow_clear(d, i);
	d->cow_pages -= n;
	return 0;
}

static int share_range(struct domain *d, uint64_t first, uint64_t end)
{
	for (uint64_t p = first; p < end;) {
		uint64_t q = p;
		int r;

		if (!cow_test(d, p)) {
			p++;
			continue;
		}
		while (q < end && cow_test(d, q))
			q++;
		r = share_run(d, p, q - p);
		if (r)
			return r;
		p = q;
	}
	return 0;
}

static bool any_private(struct domain *d, uint64_t first, uint64_t end)
{
	for (uint64_t p = first; p < end; p++)
		if (cow_test(d, p))
			return true;
	return false;
}

int mem_share(struct domain *d, uint64_t first, uint64_t count, uint64_t *left)
{
	uint64_t end;
	int r = 0;

	if (first == 0 && count == ~0ULL)
		count = d->nr_pages;
	if (count && (first >= d->nr_pages || count > d->nr_pages - first))
		return -EINVAL;
	end = first + count;
	pthread_mutex_lock(&d->share_lock);
	if (count && d->cow && any_private(d, first, end)) {
		r = hold_vcpus(d);
		if (r == 0) {
			r = share_range(d, first, end);
			pthread_rwlock_unlock(&d->mem_rw);
		}
		/* A page half moved cannot be trusted: stop the guest loudly. */
		if (r && r != -EBUSY)
			domain_crash(d, "sharing clone memory failed: %s", strerror(-r));
	}
	if (left)
		*left = d->cow ? d->cow_pages : 0;
	pthread_mutex_unlock(&d->share_lock);
	return r;
}

/* The caller is one of d's vCPUs, inside an exit: it holds mem_rw to read. */
int mem_share_from_vcpu(struct vcpu *v, uint64_t pfn)
{
	int r;

	if (!__atomic_load_n(&v->d->cow, __ATOMIC_ACQUIRE))
		return 0;
	pthread_rwlock_unlock(&v->d->mem_rw);
	r = mem_share(v->d, pfn, 1, NULL);
	pthread_rwlock_rdlock(&v->d->mem_rw);
	return r;
}

/*
 * Pages the guest gives back: drop their private copies by mapping the
 * memfd (a hole there: zeros) over them.  What the guest still writes to a
 * page it gave away is its own affair, so the vCPUs need not be held.
 */
void mem_discard(struct domain *d, uint64_t first, uint64_t count)
{
	pthread_mutex_lock(&d->share_lock);
	for (uint64_t p = first; d->cow && p < first + count && p < d->nr_pages; p++) {
		if (!cow_test(d, p))
			continue;
		if (mmap(d->mem + p * HV_PAGE_SIZE, HV_PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, d->memfd, (off_t)(p * HV_PAGE_SIZE)) == MAP_FAILED)
			break;
		cow_clear(d, p);
		d->cow_pages--;
	}
	pthread_mutex_unlock(&d->share_lock);
}
