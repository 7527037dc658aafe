/*
 * evtchn_dom0.c - the control domain's ends of event channels.  A
 * control-domain process (xenstored, a backend) binds a guest port whose
 * remote is domain 0 and receives two eventfds: it reads `to_dom0` to learn
 * the guest notified, and writes `from_dom0` to notify the guest.
 *
 * Guest -> dom0 needs no ketch-hv thread at all: the port's number is the
 * datamatch of a KVM ioeventfd on the doorbell port, and the hypercall
 * page's EVTCHNOP_send stub writes the port number there, so KVM signals
 * the eventfd in the kernel.  Dom0 -> guest goes through one poller thread
 * that raises the port in the guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <xen/errno.h>

#include "hv.h"

static int ioeventfd(struct domain *d, uint32_t port, int fd, bool assign)
{
	struct kvm_ioeventfd io = {
		.datamatch = port,
		.addr = HV_DOORBELL_PORT,
		.len = 4,
		.fd = fd,
		.flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return ioctl(d->vmfd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

/* Caller holds d->evtchn_lock. */
void evtchn_dom0_release(struct domain *d, unsigned int port)
{
	struct evtchn *c = &d->evtchn[port];

	if (c->to_dom0_fd >= 0) {
		ioeventfd(d, port, c->to_dom0_fd, false);
		close(c->to_dom0_fd);
	}
	if (c->from_dom0_fd >= 0) {
		epoll_ctl(d->hv->dom0_epoll, EPOLL_CTL_DEL, c->from_dom0_fd, NULL);
		close(c->from_dom0_fd);
	}
	c->to_dom0_fd = c->from_dom0_fd = -1;
}

static int make_fds(struct domain *d, uint32_t port, int *to, int *from)
{
	struct epoll_event ev = { .events = EPOLLIN,
		.data.u64 = ((uint64_t)d->domid << 32) | port };

	*to = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	*from = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (*to < 0 || *from < 0)
		return -errno;
	if (epoll_ctl(d->hv->dom0_epoll, EPOLL_CTL_ADD, *from, &ev) < 0)
		return -errno;
	/* Without ioeventfd support sends still work, through the exit path. */
	if (ioeventfd(d, port, *to, true) < 0)
		hv_log("d%u: port %u: no ioeventfd, sends take the slow path", d->domid, port);
	return 0;
}

/*
 * Bind the control domain to d's unbound port (remote 0).  On success the
 * caller gets its own duplicates of both eventfds (to send with
 * SCM_RIGHTS, then close).  Errors are host errnos for the control socket.
 */
int evtchn_dom0_bind(struct domain *d, uint32_t port, int *to_dom0, int *from_dom0)
{
	struct evtchn *c;
	int to = -1, from = -1, r;

	pthread_mutex_lock(&d->evtchn_lock);
	if (!evtchn_valid(d, port)) {
		r = -EINVAL;
		goto out;
	}
	c = &d->evtchn[port];
	if (c->state != ECS_UNBOUND || c->remote_dom != 0) {
		r = -EBUSY;
		goto out;
	}
	r = make_fds(d, port, &to, &from);
	if (r == 0) {
		c->state = ECS_INTERDOMAIN;
		c->remote_port = port;
		c->to_dom0_fd = to;
		c->from_dom0_fd = from;
		*to_dom0 = fcntl(to, F_DUPFD_CLOEXEC, 0);
		*from_dom0 = fcntl(from, F_DUPFD_CLOEXEC, 0);
		/* As for any bind: what was sent before is not lost. */
		evtchn_raise(d, port, c->notify_vcpu);
	} else {
		if (to >= 0)
			close(to);
		if (from >= 0)
			close(from);
	}
out:
	pthread_mutex_unlock(&d->evtchn_lock);
	return r;
}

/* A second copy of the dom0 -> guest eventfd of a bound port. */
int evtchn_dom0_notify_fd(struct domain *d, uint32_t port, int *fd)
{
	int r = -EINVAL;

	pthread_mutex_lock(&d->evtchn_lock);
	if (evtchn_valid(d, port) && d->evtchn[port].from_dom0_fd >= 0) {
		*fd = fcntl(d->evtchn[port].from_dom0_fd, F_DUPFD_CLOEXEC, 0);
		r = *fd < 0 ? -errno : 0;
	}
	pthread_mutex_unlock(&d->evtchn_lock);
	return r;
}

/* The control domain closes its end: the guest's port is unbound again. */
int evtchn_dom0_unbind(struct domain *d, uint32_t port)
{
	struct evtchn *c;
	int r = -EINVAL;

	pthread_mutex_lock(&d->evtchn_lock);
	if (evtchn_valid(d, port)) {
		c = &d->evtchn[port];
		if (c->state == ECS_INTERDOMAIN && c->remote_dom == 0) {
			evtchn_dom0_release(d, port);
			c->state = ECS_UNBOUND;
			r = 0;
		}
	}
	pthread_mutex_unlock(&d->evtchn_lock);
	return r;
}

static void deliver(struct hv *hv, uint64_t key)
{
	uint32_t domid = (uint32_t)(key >> 32), port = (uint32_t)key;
	struct domain *d = domain_get(hv, domid);
	uint64_t n;

	if (!d)
		return;
	pthread_mutex_lock(&d->evtchn_lock);
	if (evtchn_valid(d, port) && d->evtchn[port].from_dom0_fd >= 0 &&
	    read(d->evtchn[port].from_dom0_fd, &n, sizeof(n)) == sizeof(n))
		evtchn_raise(d, port, d->evtchn[port].notify_vcpu);
	pthread_mutex_unlock(&d->evtchn_lock);
	domain_put(d);
}

static void *dom0_poller(void *arg)
{
	struct hv *hv = arg;
	struct epoll_event ev[32];

	for (;;) {
		int n = epoll_wait(hv->dom0_epoll, ev, 32, -1);

		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++)
			deliver(hv, ev[i].data.u64);
	}
	return NULL;
}

int evtchn_dom0_start(struct hv *hv)
{
	pthread_t t;

	hv->dom0_epoll = epoll_create1(EPOLL_CLOEXEC);
	if (hv->dom0_epoll < 0)
		return -errno;
	if (hv_thread_create(&t, dom0_poller, hv))
		return -EAGAIN;
	pthread_detach(t);
	return 0;
}

/* A doorbell write KVM did not absorb: a port with no ioeventfd. */
void evtchn_doorbell_exit(struct vcpu *v, uint32_t port)
{
	struct kvm_regs *r = vcpu_regs(v);

	r->rax = (uint64_t)(long)evtchn_send(v->d, port);
	/* Resume at the stub's `ret`, past the `xor %eax,%eax` (hcpage.c). */
	r->rip = v->d->hypercall_page_va + hcpage_send_ret_offset();
	vcpu_regs_dirty(v);
}
