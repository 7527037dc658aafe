/*
 * ctl_handlers.c - one handler per control op, and the table the
 * dispatcher in ctl_server.c looks ops up in.  Payload sizes are checked
 * before a handler runs; handlers check domain ids and lifecycle states
 * and map them to the distinct errors docs/control-protocol.md lists.
 */
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_internal.h"
#include "hv.h"
#include "ketch/ketchctl.h"

static bool is_stopped(enum kctl_state s)
{
	return s == KCTL_STATE_SHUTDOWN || s == KCTL_STATE_CRASHED ||
	       s == KCTL_STATE_DYING;
}

static enum kctl_state state_of(struct domain *d)
{
	enum kctl_state s;

	pthread_mutex_lock(&d->lock);
	s = d->state;
	pthread_mutex_unlock(&d->lock);
	return s;
}

static int op_hello(struct ctl_conn *c, const void *req, size_t len,
		    struct ctl_reply *rep)
{
	const struct kctl_hello *in = req;
	struct kctl_hello *out = rep->buf;

	(void)c;
	(void)len;
	if (in->version != KCTL_VERSION)
		return -EPROTO;
	*out = (struct kctl_hello){ .version = KCTL_VERSION, .pid = (uint32_t)getpid() };
	rep->len = sizeof(*out);
	return 0;
}

static int op_create(struct ctl_conn *c, const void *req, size_t len,
		     struct ctl_reply *rep)
{
	struct kctl_domid *out = rep->buf;
	uint32_t domid;
	int r;

	(void)len;
	r = domain_create(c->srv->hv, req, &domid);
	if (r)
		return r;
	hv_log("ctl: d%u created by pid %d", domid, (int)c->pid);
	*out = (struct kctl_domid){ .domid = domid };
	rep->len = sizeof(*out);
	return 0;
}

static int op_destroy(struct ctl_conn *c, const void *req, size_t len,
		      struct ctl_reply *rep)
{
	(void)len;
	(void)rep;
	return domain_destroy(c->srv->hv, ((const struct kctl_domid *)req)->domid);
}

/* Shared by PAUSE and UNPAUSE: the state checks, then the call. */
static int pause_or_unpause(struct ctl_conn *c, const void *req, bool pause)
{
	struct domain *d = domain_get(c->srv->hv, ((const struct kctl_domid *)req)->domid);
	enum kctl_state s;
	int r;

	if (!d)
		return -ESRCH;
	s = state_of(d);
	if (is_stopped(s))
		r = -ESHUTDOWN;
	else if (pause == (s == KCTL_STATE_PAUSED))
		r = -EALREADY;
	else
		r = pause ? domain_pause(d) : domain_unpause(d);
	if (r == -ESRCH)
		r = -ESHUTDOWN; /* it stopped meanwhile; it still exists */
	else if (r == -EINVAL && !pause)
		r = -ENOEXEC;   /* vCPU 0 has no context */
	domain_put(d);
	return r;
}

static int op_pause(struct ctl_conn *c, const void *req, size_t len,
		    struct ctl_reply *rep)
{
	(void)len;
	(void)rep;
	return pause_or_unpause(c, req, true);
}

static int op_unpause(struct ctl_conn *c, const void *req, size_t len,
		      struct ctl_reply *rep)
{
	(void)len;
	(void)rep;
	return pause_or_unpause(c, req, false);
}

static int op_getinfo(struct ctl_conn *c, const void *req, size_t len,
		      struct ctl_reply *rep)
{
	struct domain *d = domain_get(c->srv->hv, ((const struct kctl_domid *)req)->domid);

	(void)len;
	if (!d)
		return -ESRCH;
	domain_info(d, rep->buf);
	domain_put(d);
	rep->len = sizeof(struct kctl_dominfo);
	return 0;
}

static int op_list(struct ctl_conn *c, const void *req, size_t len,
		   struct ctl_reply *rep)
{
	struct kctl_list *out = rep->buf;
	int n;

	(void)req;
	(void)len;
	memset(out, 0, sizeof(*out));
	n = domain_list(c->srv->hv, out->domids, KCTL_MAX_DOMIDS);
	out->count = n < 0 ? 0 : (uint32_t)n;
	rep->len = sizeof(*out);
	return 0;
}

static int op_map_memory(struct ctl_conn *c, const void *req, size_t len,
			 struct ctl_reply *rep)
{
	struct domain *d = domain_get(c->srv->hv, ((const struct kctl_domid *)req)->domid);
	struct kctl_mem *out = rep->buf;
	int r = 0;

	(void)len;
	if (!d)
		return -ESRCH;
	rep->fd = fcntl(d->memfd, F_DUPFD_CLOEXEC, 0);
	if (rep->fd < 0)
		r = -errno;
	out->mem_bytes = d->mem_bytes;
	rep->len = sizeof(*out);
	domain_put(d);
	return r;
}

/* SET_VCPU and HYPERCALL_INIT need a domain that holds still. */
static struct domain *get_paused(struct ctl_conn *c, uint32_t domid, int *err)
{
	struct domain *d = domain_get(c->srv->hv, domid);
	enum kctl_state s;

	*err = 0;
	if (!d) {
		*err = -ESRCH;
		return NULL;
	}
	s = state_of(d);
	if (s != KCTL_STATE_PAUSED)
		*err = is_stopped(s) ? -ESHUTDOWN : -EBUSY;
	if (*err) {
		domain_put(d);
		return NULL;
	}
	return d;
}

static int op_set_vcpu(struct ctl_conn *c, const void *req, size_t len,
		       struct ctl_reply *rep)
{
	const struct kctl_set_vcpu *in = req;
	struct domain *d;
	int r;

	(void)len;
	(void)rep;
	d = get_paused(c, in->domid, &r);
	if (!d)
		return r;
	r = domain_set_vcpu_context(d, in->vcpu, &in->ctx);
	domain_put(d);
	return r;
}

static int op_hypercall_init(struct ctl_conn *c, const void *req, size_t len,
			     struct ctl_reply *rep)
{
	const struct kctl_hypercall_init *in = req;
	struct domain *d;
	int r;

	(void)len;
	(void)rep;
	d = get_paused(c, in->domid, &r);
	if (!d)
		return r;
	r = domain_hypercall_init(d, in->gpa, in->va);
	domain_put(d);
	return r;
}

static int op_subscribe(struct ctl_conn *c, const void *req, size_t len,
			struct ctl_reply *rep)
{
	int r;

	(void)req;
	(void)len;
	if (c->subscriber)
		return -EALREADY;
	r = ctl_events_add(c->srv, c, rep->req_id);
	if (r == -EUSERS)
		return r;
	rep->sent = true;
	if (r == 0)
		c->subscriber = true;
	return r;
}

static int op_hv_info(struct ctl_conn *c, const void *req, size_t len,
		      struct ctl_reply *rep)
{
	struct kctl_hv_info *out = rep->buf;
	uint32_t ids[KCTL_MAX_DOMIDS];
	int n = domain_list(c->srv->hv, ids, KCTL_MAX_DOMIDS);

	(void)req;
	(void)len;
	memset(out, 0, sizeof(*out));
	strncpy(out->flavour, hv_flavour_name(c->srv->hv->flavour),
		sizeof(out->flavour) - 1);
	out->nr_domains = n < 0 ? 0 : (uint32_t)n;
	out->max_vcpus = HV_MAX_VCPUS;
	out->version = KCTL_VERSION;
	out->features = HV_FEATURES_SUBMAP0;
	rep->len = sizeof(*out);
	return 0;
}

static int op_hv_log(struct ctl_conn *c, const void *req, size_t len,
		     struct ctl_reply *rep)
{
	const struct kctl_log_req *in = req;
	struct kctl_log *out = rep->buf;

	(void)c;
	(void)len;
	memset(out, 0, sizeof(*out)); /* always the whole struct: fixed-size replies */
	if (in->clear > 1)
		return -EINVAL;
	out->len = (uint32_t)hv_log_read(in->from, out->text, sizeof(out->text), &out->first,
					 &out->next);
	if (in->clear)
		hv_log_clear(out->next);
	rep->len = sizeof(*out);
	return 0;
}

/* The name is the constant without its "KCTL_OP_" prefix. */
#define OP(code, fn, type) { code, #code + 8, sizeof(type), sizeof(type), fn }
#define OP0(code, fn) { code, #code + 8, 0, 0, fn }
static const struct ctl_op ops[] = {
	OP(KCTL_OP_HELLO, op_hello, struct kctl_hello),
	OP(KCTL_OP_CREATE, op_create, struct kctl_create),
	OP(KCTL_OP_DESTROY, op_destroy, struct kctl_domid),
	OP(KCTL_OP_PAUSE, op_pause, struct kctl_domid),
	OP(KCTL_OP_UNPAUSE, op_unpause, struct kctl_domid),
	OP(KCTL_OP_GETINFO, op_getinfo, struct kctl_domid),
	OP0(KCTL_OP_LIST, op_list),
	OP(KCTL_OP_MAP_MEMORY, op_map_memory, struct kctl_domid),
	OP(KCTL_OP_SET_VCPU, op_set_vcpu, struct kctl_set_vcpu),
	OP(KCTL_OP_HYPERCALL_INIT, op_hypercall_init, struct kctl_hypercall_init),
	OP0(KCTL_OP_SUBSCRIBE, op_subscribe),
	{ KCTL_OP_SET_IMAGE, "SET_IMAGE", sizeof(struct kctl_image_chunk) + 1,
	  KCTL_MAX_PAYLOAD, ctl_op_set_image },
	OP0(KCTL_OP_HV_INFO, op_hv_info),
	OP(KCTL_OP_SET_SHARED_INFO, ctl_op_set_shared_info, struct kctl_shared_info),
	OP(KCTL_OP_EVTCHN_ALLOC_UNBOUND, ctl_op_evtchn_alloc, struct kctl_evtchn_alloc),
	OP(KCTL_OP_EVTCHN_BIND, ctl_op_evtchn_bind, struct kctl_evtchn_port),
	OP(KCTL_OP_EVTCHN_NOTIFY_FD, ctl_op_evtchn_notify_fd, struct kctl_evtchn_port),
	OP(KCTL_OP_EVTCHN_UNBIND, ctl_op_evtchn_unbind, struct kctl_evtchn_port),
	OP(KCTL_OP_GNTTAB_INFO, ctl_op_gnttab_info, struct kctl_domid),
	OP(KCTL_OP_VCPU_INFO, ctl_op_vcpu_info, struct kctl_domid),
	OP(KCTL_OP_HV_LOG, op_hv_log, struct kctl_log_req),
	OP(KCTL_OP_VCPU_GET, ctl_op_vcpu_get, struct kctl_vcpu_get),
	OP(KCTL_OP_VCPU_RESTORE, ctl_op_vcpu_restore, struct kctl_vcpu_state),
	OP(KCTL_OP_RESUME, ctl_op_resume, struct kctl_domid),
	OP(KCTL_OP_EVTCHN_LIST, ctl_op_evtchn_list, struct kctl_evtchn_list_req),
	OP(KCTL_OP_GNTTAB_FRAMES, ctl_op_gnttab_frames, struct kctl_domid),
	OP(KCTL_OP_MEM_IMAGE_NEW, ctl_op_mem_image_new, struct kctl_mem_image_new),
	OP(KCTL_OP_MEM_IMAGE_USE, ctl_op_mem_image_use, struct kctl_domid),
	OP0(KCTL_OP_MEM_IMAGE_DROP, ctl_op_mem_image_drop),
	OP(KCTL_OP_MEM_SHARE, ctl_op_mem_share, struct kctl_mem_share),
	OP(KCTL_OP_DIRTY_LOG, ctl_op_dirty_log, struct kctl_dirty_req),
	OP(KCTL_OP_MEM_IMAGE_ADOPT, ctl_op_mem_image_adopt, struct kctl_domid),
};

const struct ctl_op *ctl_op_find(uint16_t op)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].op == op)
			return &ops[i];
	return NULL;
}

int ctl_ops_selfcheck(void)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t min, max;

		if (kctl_payload_size(ops[i].op, &min, &max) < 0 ||
		    min != ops[i].min || max != ops[i].max) {
			hv_log("ctl: op %s: table and kctl_payload_size disagree",
			       ops[i].name);
			return -EPROTO;
		}
	}
	return 0;
}
