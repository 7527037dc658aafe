/*
 * ctl_fake_hv.c - the domain layer ketch-hv's control handlers call, faked
 * for the control-protocol fuzzer: no KVM, no vCPU threads, a few domains
 * in a table.  Each fake checks what the real one checks on its arguments
 * (so handlers see realistic errors) and keeps state, so sequences like
 * create, pause, set-image and destroy reach their later branches.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ctl_fake_hv.h"
#include "hv.h"
#include "mm/xenpv.h"
#include "ketch/builder.h"

#define FAKE_DOMS 4

static struct domain *doms[FAKE_DOMS];

static struct domain *fake_new(uint32_t domid, const struct kctl_create *req)
{
	struct domain *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->domid = domid;
	d->memfd = eventfd(0, EFD_CLOEXEC); /* something to dup and pass */
	d->mem_bytes = req->mem_bytes;
	d->nr_pages = req->mem_bytes / HV_PAGE_SIZE;
	d->nr_vcpus = req->vcpus;
	d->state = KCTL_STATE_PAUSED;
	d->shared_info_gpa = ~0ull;
	pthread_mutex_init(&d->lock, NULL);
	atomic_init(&d->refs, 1);
	return d;
}

static void fake_free(struct domain *d)
{
	if (d->memfd >= 0)
		close(d->memfd);
	free(d->image);
	free(d->elf_info);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

void ctl_fake_reset(void)
{
	for (int i = 0; i < FAKE_DOMS; i++) {
		if (doms[i])
			fake_free(doms[i]);
		doms[i] = NULL;
	}
}

int domain_create(struct hv *hv, const struct kctl_create *req, uint32_t *domid)
{
	(void)hv;
	if (req->flags || req->vcpus < 1 || req->vcpus > HV_MAX_VCPUS ||
	    req->mem_bytes % HV_PAGE_SIZE || req->mem_bytes < (4ull << 20) ||
	    req->mem_bytes > (64ull << 30))
		return -EINVAL;
	for (int i = 0; i < FAKE_DOMS; i++) {
		if (!doms[i]) {
			doms[i] = fake_new((uint32_t)i + 1, req);
			if (!doms[i])
				return -ENOMEM;
			*domid = (uint32_t)i + 1;
			return 0;
		}
	}
	return -ENOSPC;
}

struct domain *domain_get(struct hv *hv, uint32_t domid)
{
	(void)hv;
	if (domid < 1 || domid > FAKE_DOMS || !doms[domid - 1])
		return NULL;
	atomic_fetch_add(&doms[domid - 1]->refs, 1);
	return doms[domid - 1];
}

void domain_put(struct domain *d)
{
	atomic_fetch_sub(&d->refs, 1);
}

int domain_destroy(struct hv *hv, uint32_t domid)
{
	struct domain *d = domain_get(hv, domid);

	if (!d)
		return -ESRCH;
	domain_put(d);
	doms[domid - 1] = NULL;
	fake_free(d);
	return 0;
}

/* The fuzzer itself stays unconfined: libFuzzer writes its crash files. */
int hv_confine(struct hv *hv)
{
	(void)hv;
	return 0;
}

void domain_reap_wait(struct hv *hv)
{
	(void)hv;
}

static int set_state(struct domain *d, enum kctl_state s)
{
	d->state = s;
	return 0;
}

int domain_pause(struct domain *d)
{
	return set_state(d, KCTL_STATE_PAUSED);
}

/* As the real one: vCPU 0 needs a context first. */
int domain_unpause(struct domain *d)
{
	return d->vcpus[0].online ? set_state(d, KCTL_STATE_RUNNING) : -EINVAL;
}

void domain_info(struct domain *d, struct kctl_dominfo *out)
{
	memset(out, 0, sizeof(*out));
	out->domid = d->domid;
	out->state = d->state;
	out->shutdown_reason = -1;
	out->shutdown_code = -1;
	out->mem_bytes = d->mem_bytes;
	out->vcpus = d->nr_vcpus;
}

int domain_list(struct hv *hv, uint32_t *ids, int max)
{
	int n = 0;

	(void)hv;
	for (int i = 0; i < FAKE_DOMS && n < max; i++)
		if (doms[i])
			ids[n++] = doms[i]->domid;
	return n;
}

int domain_set_vcpu_context(struct domain *d, unsigned int vcpu,
			    const struct kctl_vcpu_context *ctx)
{
	if (vcpu >= d->nr_vcpus)
		return -EINVAL;
	if (ctx->rip == 0)
		return -EINVAL;
	d->vcpus[vcpu].online = true;
	return 0;
}

int domain_hypercall_init(struct domain *d, uint64_t gpa, uint64_t va)
{
	if (gpa % HV_PAGE_SIZE || gpa >= d->mem_bytes || va % HV_PAGE_SIZE)
		return -EINVAL;
	d->hypercall_page_gpa = gpa;
	d->hypercall_page_va = va;
	return 0;
}

/* The real one: the image must parse, for crash-report symbols. */
int domain_attach_image(struct domain *d, const void *img, size_t len)
{
	struct kb_elf_info *info = malloc(sizeof(*info));
	void *copy = malloc(len ? len : 1);

	if (!info || !copy || kb_elf_parse(img, len, info, NULL) < 0) {
		free(info);
		free(copy);
		return -EINVAL;
	}
	memcpy(copy, img, len);
	free(d->image);
	free(d->elf_info);
	d->image = copy;
	d->image_len = len;
	d->elf_info = info;
	return 0;
}

int domain_set_shared_info(struct domain *d, uint64_t gpa)
{
	if (gpa % HV_PAGE_SIZE || gpa >= d->mem_bytes)
		return -EINVAL;
	d->shared_info_gpa = gpa;
	return 0;
}

int evtchn_alloc_unbound(struct domain *d, uint32_t remote, uint32_t *port)
{
	(void)d;
	if (remote >= HV_MAX_DOMAINS)
		return -EINVAL;
	*port = 1;
	return 0;
}

static int port_ok(struct domain *d, uint32_t port)
{
	(void)d;
	return port >= 1 && port < HV_EVTCHN_DEFAULT_LIMIT ? 0 : -EINVAL;
}

int evtchn_dom0_bind(struct domain *d, uint32_t port, int *to_dom0, int *from_dom0)
{
	int r = port_ok(d, port);

	if (r)
		return r;
	*to_dom0 = eventfd(0, EFD_CLOEXEC);
	*from_dom0 = eventfd(0, EFD_CLOEXEC);
	return 0;
}

int evtchn_dom0_notify_fd(struct domain *d, uint32_t port, int *fd)
{
	int r = port_ok(d, port);

	if (r == 0)
		*fd = eventfd(0, EFD_CLOEXEC);
	return r;
}

int evtchn_dom0_unbind(struct domain *d, uint32_t port)
{
	return port_ok(d, port);
}

int gnttab_info(struct domain *d, struct kctl_gnttab_info *out)
{
	memset(out, 0, sizeof(*out));
	out->domid = d->domid;
	out->max_frames = KCTL_GNT_MAX_FRAMES;
	out->nr_pages = d->nr_pages;
	for (int i = 0; i < KCTL_GNT_MAX_FRAMES; i++)
		out->gpfn[i] = ~0ull;
	return 0;
}

/* A fake domain is classic once it has shared_info: its frames fd is an
 * eventfd, enough for the handler to pass and the fuzzer to close. */
int xenpv_frames_fd(struct domain *d, uint64_t *first_gfn, uint32_t *nr)
{
	int fd;

	if (!d->shared_info_gpa)
		return -ENOENT;
	fd = eventfd(0, EFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	*first_gfn = d->nr_pages + 1;
	*nr = 33;
	return fd;
}

const char *hv_flavour_name(enum hv_flavour f)
{
	return f == HV_FLAVOUR_SVM ? "svm" : "vmx";
}

uint64_t vcpu_cpu_time_ns(struct vcpu *v)
{
	(void)v;
	return 0;
}

int domain_vcpu_get(struct domain *d, unsigned int id, struct kctl_vcpu_state *out)
{
	if (id >= d->nr_vcpus)
		return -EINVAL;
	if (d->state != KCTL_STATE_SHUTDOWN && d->state != KCTL_STATE_CRASHED)
		return -EBUSY;
	memset(out, 0, sizeof(*out));
	out->domid = d->domid;
	out->vcpu = id;
	return 0;
}

int domain_vcpu_restore(struct domain *d, const struct kctl_vcpu_state *in)
{
	if (in->vcpu >= d->nr_vcpus || in->online > 1 || in->pad)
		return -EINVAL;
	return d->state == KCTL_STATE_PAUSED ? 0 : -EBUSY;
}

int domain_resume(struct domain *d)
{
	if (d->state != KCTL_STATE_SHUTDOWN)
		return -EINVAL;
	return set_state(d, KCTL_STATE_PAUSED);
}

int evtchn_list(struct domain *d, uint32_t first, struct kctl_evtchn_list *out)
{
	(void)first;
	memset(out, 0, sizeof(*out));
	out->domid = d->domid;
	return 0;
}

/* Clones' memory: the checks of mm/mem_share.c, no mappings. */
int mem_image_map(struct domain *d, int image_fd, uint64_t image_bytes)
{
	if (image_fd < 0 || image_bytes != d->mem_bytes)
		return -EINVAL;
	return d->state == KCTL_STATE_PAUSED ? 0 : -EBUSY;
}

int mem_image_adopt(struct domain *d, int image_fd, uint64_t image_bytes)
{
	if (image_bytes != d->mem_bytes)
		return -EINVAL;
	if (d->state != KCTL_STATE_PAUSED)
		return -EBUSY;
	close(image_fd); /* as the real one, which keeps it as the domain's */
	return 0;
}

int mem_share(struct domain *d, uint64_t first, uint64_t count, uint64_t *left)
{
	uint64_t n = d->mem_bytes / 4096;

	if (first == 0 && count == ~0ULL)
		count = n;
	if (count && (first >= n || count > n - first))
		return -EINVAL;
	if (left)
		*left = 0;
	return 0;
}

int dirty_log_set(struct domain *d, bool on)
{
	(void)d, (void)on;
	return 0;
}

int dirty_log_fetch(struct domain *d, uint64_t first, struct kctl_dirty *out)
{
	if (first % KCTL_DIRTY_CHUNK || first >= d->mem_bytes / 4096)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->first_pfn = first;
	return 0;
}
