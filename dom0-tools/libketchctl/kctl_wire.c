/* kctl_wire.c - control-socket framing shared by ketch-hv and its clients. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ketch/ketchctl.h"

/* Request payload sizes, indexed by op; ok = 0 marks an unassigned op. */
#define EXACT(type) { 1, sizeof(struct type), sizeof(struct type) }
static const struct {
	uint8_t ok;
	uint16_t min, max;
} req_size[KCTL_OP_MAX] = {
	[KCTL_OP_HELLO] = EXACT(kctl_hello),
	[KCTL_OP_CREATE] = EXACT(kctl_create),
	[KCTL_OP_DESTROY] = EXACT(kctl_domid),
	[KCTL_OP_PAUSE] = EXACT(kctl_domid),
	[KCTL_OP_UNPAUSE] = EXACT(kctl_domid),
	[KCTL_OP_GETINFO] = EXACT(kctl_domid),
	[KCTL_OP_LIST] = { 1, 0, 0 },
	[KCTL_OP_MAP_MEMORY] = EXACT(kctl_domid),
	[KCTL_OP_SET_VCPU] = EXACT(kctl_set_vcpu),
	[KCTL_OP_HYPERCALL_INIT] = EXACT(kctl_hypercall_init),
	[KCTL_OP_SUBSCRIBE] = { 1, 0, 0 },
	[KCTL_OP_SET_IMAGE] = { 1, sizeof(struct kctl_image_chunk) + 1, KCTL_MAX_PAYLOAD },
	[KCTL_OP_HV_INFO] = { 1, 0, 0 },
	[KCTL_OP_SET_SHARED_INFO] = EXACT(kctl_shared_info),
	[KCTL_OP_EVTCHN_ALLOC_UNBOUND] = EXACT(kctl_evtchn_alloc),
	[KCTL_OP_EVTCHN_BIND] = EXACT(kctl_evtchn_port),
	[KCTL_OP_EVTCHN_NOTIFY_FD] = EXACT(kctl_evtchn_port),
	[KCTL_OP_EVTCHN_UNBIND] = EXACT(kctl_evtchn_port),
	[KCTL_OP_GNTTAB_INFO] = EXACT(kctl_domid),
	[KCTL_OP_VCPU_INFO] = EXACT(kctl_domid),
	[KCTL_OP_HV_LOG] = EXACT(kctl_log_req),
	[KCTL_OP_VCPU_GET] = EXACT(kctl_vcpu_get),
	[KCTL_OP_VCPU_RESTORE] = EXACT(kctl_vcpu_state),
	[KCTL_OP_RESUME] = EXACT(kctl_domid),
	[KCTL_OP_EVTCHN_LIST] = EXACT(kctl_evtchn_list_req),
	[KCTL_OP_GNTTAB_FRAMES] = EXACT(kctl_domid),
	[KCTL_OP_MEM_IMAGE_NEW] = EXACT(kctl_mem_image_new),
	[KCTL_OP_MEM_IMAGE_USE] = EXACT(kctl_domid),
	[KCTL_OP_MEM_IMAGE_DROP] = { 1, 0, 0 },
	[KCTL_OP_MEM_SHARE] = EXACT(kctl_mem_share),
	[KCTL_OP_DIRTY_LOG] = EXACT(kctl_dirty_req),
	[KCTL_OP_MEM_IMAGE_ADOPT] = EXACT(kctl_domid),
};
#undef EXACT

_Static_assert(sizeof(struct kctl_list) <= KCTL_MAX_PAYLOAD, "kctl_list too big");
_Static_assert(sizeof(struct kctl_dominfo) <= KCTL_MAX_PAYLOAD, "dominfo too big");
_Static_assert(sizeof(struct kctl_vcpu_info) <= KCTL_MAX_PAYLOAD, "vcpu_info too big");
_Static_assert(sizeof(struct kctl_log) == KCTL_MAX_PAYLOAD, "kctl_log layout");
_Static_assert(sizeof(struct kctl_evtchn_list) <= KCTL_MAX_PAYLOAD, "evtchn_list too big");
_Static_assert(sizeof(struct kctl_hdr) == 24, "kctl_hdr layout");
_Static_assert(sizeof(struct kctl_dirty) == KCTL_MAX_PAYLOAD, "kctl_dirty layout");

int kctl_payload_size(uint16_t op, size_t *min, size_t *max)
{
	if (op == KCTL_OP_EVENT) {
		*min = *max = sizeof(struct kctl_dominfo);
		return 0;
	}
	if (op == KCTL_OP_ERROR) {
		*min = *max = 0;
		return 0;
	}
	if (op == 0 || op >= KCTL_OP_MAX || !req_size[op].ok)
		return -EOPNOTSUPP;
	*min = req_size[op].min;
	*max = req_size[op].max;
	return 0;
}

int kctl_hdr_check(const struct kctl_hdr *h)
{
	size_t min, max;

	if (h->magic != KCTL_MAGIC || h->version != KCTL_VERSION)
		return -EPROTO;
	if (h->len > KCTL_MAX_PAYLOAD)
		return -EMSGSIZE;
	return kctl_payload_size(h->op, &min, &max);
}

void kctl_hdr_init(struct kctl_hdr *h, uint16_t op, uint32_t req_id,
		   int32_t status, uint32_t len)
{
	*h = (struct kctl_hdr){ .magic = KCTL_MAGIC, .version = KCTL_VERSION,
				.op = op, .req_id = req_id, .status = status,
				.len = len };
}

static void set_rights(struct msghdr *m, void *cbuf, size_t clen, int fd)
{
	struct cmsghdr *c;

	m->msg_control = cbuf;
	m->msg_controllen = clen;
	c = CMSG_FIRSTHDR(m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
}

int kctl_send(int fd, const struct kctl_hdr *h, const void *payload,
	      int pass_fd, int flags)
{
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } cm;
	struct iovec iov[2] = {
		{ .iov_base = (void *)h, .iov_len = sizeof(*h) },
		{ .iov_base = (void *)payload, .iov_len = payload ? h->len : 0 },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	size_t left = iov[0].iov_len + iov[1].iov_len;

	if (h->len && !payload)
		return -EINVAL;
	if (pass_fd >= 0)
		set_rights(&m, cm.buf, sizeof(cm.buf), pass_fd);
	while (left) {
		ssize_t n = sendmsg(fd, &m, flags | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		left -= (size_t)n;
		m.msg_control = NULL; /* the descriptor went with the first byte */
		m.msg_controllen = 0;
		while (n > 0 && m.msg_iovlen) {
			size_t k = (size_t)n < m.msg_iov->iov_len ? (size_t)n
								  : m.msg_iov->iov_len;

			m.msg_iov->iov_base = (char *)m.msg_iov->iov_base + k;
			m.msg_iov->iov_len -= k;
			n -= (ssize_t)k;
			if (m.msg_iov->iov_len == 0) {
				m.msg_iov++;
				m.msg_iovlen--;
			}
		}
	}
	return 0;
}

/* Keep the first passed descriptor in *fd_out (if still -1), close others. */
static void take_rights(struct msghdr *m, int *fd_out)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*fd_out < 0)
				*fd_out = fd;
			else
				close(fd);
		}
	}
}

/* Read exactly len bytes; *got counts what arrived (for EOF reporting). */
static int read_full(int fd, void *buf, size_t len, int *fd_out, size_t *got)
{
	union { char buf[CMSG_SPACE(4 * sizeof(int))]; struct cmsghdr align; } cm;

	*got = 0;
	while (*got < len) {
		struct iovec iov = { (char *)buf + *got, len - *got };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cm.buf,
				    .msg_controllen = sizeof(cm.buf) };
		ssize_t n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		take_rights(&m, fd_out);
		if (n == 0)
			return -EPIPE;
		*got += (size_t)n;
	}
	return 0;
}

static int recv_frame(int fd, struct kctl_hdr *h, void *buf, size_t cap,
		      int *fd_out)
{
	size_t got;
	int r = read_full(fd, h, sizeof(*h), fd_out, &got);

	if (r == -EPIPE)
		return got ? -EPROTO : -ECONNRESET;
	if (r)
		return r;
	r = kctl_hdr_check(h);
	if (r == -EPROTO || r == -EMSGSIZE)
		return r;
	if (h->len > cap)
		return -EMSGSIZE;
	r = read_full(fd, buf, h->len, fd_out, &got);
	return r == -EPIPE ? -EPROTO : r;
}

int kctl_recv(int fd, struct kctl_hdr *h, void *buf, size_t cap, int *fd_out)
{
	int passed = -1;
	int r = recv_frame(fd, h, buf, cap, &passed);

	if (r == 0 && fd_out)
		*fd_out = passed;
	else if (passed >= 0)
		close(passed);
	if (r && fd_out)
		*fd_out = -1;
	return r;
}
