/* ops.c - libketchctl's one-call domain and hypervisor operations. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kctl_private.h"

static int domid_call(struct kctl *h, uint16_t op, uint32_t domid)
{
	struct kctl_domid req = { .domid = domid };

	return kctl_call(h, op, &req, sizeof(req), NULL, 0, NULL);
}

int kctl_create(struct kctl *h, uint64_t mem_bytes, uint32_t vcpus,
		const uint8_t handle[16], uint32_t *domid)
{
	struct kctl_create req = { .mem_bytes = mem_bytes, .vcpus = vcpus };
	struct kctl_domid rep;
	int r;

	if (handle)
		memcpy(req.handle, handle, sizeof(req.handle));
	r = kctl_call(h, KCTL_OP_CREATE, &req, sizeof(req), &rep, sizeof(rep), NULL);
	if (r == 0)
		*domid = rep.domid;
	return r;
}

int kctl_destroy(struct kctl *h, uint32_t domid)
{
	return domid_call(h, KCTL_OP_DESTROY, domid);
}

int kctl_pause(struct kctl *h, uint32_t domid)
{
	return domid_call(h, KCTL_OP_PAUSE, domid);
}

int kctl_unpause(struct kctl *h, uint32_t domid)
{
	return domid_call(h, KCTL_OP_UNPAUSE, domid);
}

int kctl_getinfo(struct kctl *h, uint32_t domid, struct kctl_dominfo *info)
{
	struct kctl_domid req = { .domid = domid };
	int r = kctl_call(h, KCTL_OP_GETINFO, &req, sizeof(req), info,
			  sizeof(*info), NULL);

	if (r == 0)
		info->crash_reason[sizeof(info->crash_reason) - 1] = '\0';
	return r;
}

int kctl_vcpu_info(struct kctl *h, uint32_t domid, struct kctl_vcpu_info *info)
{
	struct kctl_domid req = { .domid = domid };
	int r = kctl_call(h, KCTL_OP_VCPU_INFO, &req, sizeof(req), info,
			  sizeof(*info), NULL);

	if (r == 0 && info->nr_vcpus > KCTL_MAX_VCPU_RECORDS)
		return -EPROTO;
	return r;
}

int kctl_hv_log(struct kctl *h, uint64_t from, bool clear, struct kctl_log *log)
{
	struct kctl_log_req req = { .from = from, .clear = clear };
	int r = kctl_call(h, KCTL_OP_HV_LOG, &req, sizeof(req), log, sizeof(*log), NULL);

	if (r == 0 && (log->len > sizeof(log->text) || log->next < log->first))
		return -EPROTO;
	return r;
}

int kctl_list(struct kctl *h, uint32_t *ids, int max)
{
	struct kctl_list rep;
	int r = kctl_call(h, KCTL_OP_LIST, NULL, 0, &rep, sizeof(rep), NULL);

	if (r)
		return r;
	if (rep.count > KCTL_MAX_DOMIDS)
		return -EPROTO;
	for (uint32_t i = 0; i < rep.count && (int)i < max; i++)
		ids[i] = rep.domids[i];
	return (int)rep.count;
}

int kctl_hv_info(struct kctl *h, struct kctl_hv_info *info)
{
	int r = kctl_call(h, KCTL_OP_HV_INFO, NULL, 0, info, sizeof(*info), NULL);

	if (r == 0)
		info->flavour[sizeof(info->flavour) - 1] = '\0';
	return r;
}

int kctl_map_memory(struct kctl *h, uint32_t domid, void **ptr, uint64_t *size)
{
	struct kctl_domid req = { .domid = domid };
	struct kctl_mem rep;
	void *p;
	int fd = -1;
	int r = kctl_call(h, KCTL_OP_MAP_MEMORY, &req, sizeof(req), &rep,
			  sizeof(rep), &fd);

	if (r)
		return r;
	if (fd < 0)
		return -EPROTO;
	p = mmap(NULL, rep.mem_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	r = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (r)
		return r;
	*ptr = p;
	*size = rep.mem_bytes;
	return 0;
}

int kctl_unmap_memory(void *ptr, uint64_t size)
{
	return munmap(ptr, size) < 0 ? -errno : 0;
}

int kctl_set_vcpu(struct kctl *h, uint32_t domid, uint32_t vcpu,
		  const struct kctl_vcpu_context *ctx)
{
	struct kctl_set_vcpu req = { .domid = domid, .vcpu = vcpu, .ctx = *ctx };

	return kctl_call(h, KCTL_OP_SET_VCPU, &req, sizeof(req), NULL, 0, NULL);
}

int kctl_hypercall_init(struct kctl *h, uint32_t domid, uint64_t gpa, uint64_t va)
{
	struct kctl_hypercall_init req = { .domid = domid, .gpa = gpa, .va = va };

	return kctl_call(h, KCTL_OP_HYPERCALL_INIT, &req, sizeof(req), NULL, 0, NULL);
}

int kctl_set_image(struct kctl *h, uint32_t domid, const void *img, size_t len)
{
	enum { DATA = KCTL_MAX_PAYLOAD - sizeof(struct kctl_image_chunk) };
	union { struct kctl_image_chunk c; uint8_t b[KCTL_MAX_PAYLOAD]; } req;
	int r = 0;

	if (len == 0)
		return -EINVAL;
	if (len > KCTL_MAX_IMAGE)
		return -EFBIG;
	for (size_t off = 0; off < len && r == 0; off += DATA) {
		size_t n = len - off < DATA ? len - off : DATA;

		req.c = (struct kctl_image_chunk){ .domid = domid, .total = len,
						   .offset = off };
		memcpy(req.b + sizeof(req.c), (const uint8_t *)img + off, n);
		r = kctl_call(h, KCTL_OP_SET_IMAGE, &req,
			      (uint32_t)(sizeof(req.c) + n), NULL, 0, NULL);
	}
	return r;
}
