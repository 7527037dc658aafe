/*
 * vcpu.c - one host thread per vCPU: wait while paused, KVM_RUN, hand each
 * exit to exit.c.  Kicks use immediate_exit plus a signal, so a vCPU
 * spinning in guest code leaves KVM_RUN promptly and a kick that races
 * with entry is never lost (immediate_exit is cleared under the domain
 * lock, before the state is checked).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "hv.h"

#define KICK_SIGNAL SIGUSR1

static void kick_handler(int sig)
{
	(void)sig;
}

static pthread_once_t kick_once = PTHREAD_ONCE_INIT;

static void install_kick_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);
}

static bool may_run(struct domain *d, struct vcpu *v)
{
	return !d->paused && v->online;
}

static bool finished(struct domain *d)
{
	return d->dying || d->state == KCTL_STATE_SHUTDOWN ||
	       d->state == KCTL_STATE_CRASHED;
}

/* Returns false when the thread should end. */
static bool wait_runnable(struct vcpu *v)
{
	struct domain *d = v->d;
	bool go;

	pthread_mutex_lock(&d->lock);
	v->run->immediate_exit = 0;
	while (!finished(d) && !may_run(d, v))
		pthread_cond_wait(&d->cond, &d->lock);
	go = !finished(d);
	pthread_mutex_unlock(&d->lock);
	return go;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	pthread_getcpuclockid(pthread_self(), &v->cpu_clock);
	while (wait_runnable(v)) {
		if (atomic_exchange(&v->flush_pending, false))
			vcpu_flush_tlb(v);
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			domain_crash(v->d, "vcpu%u: KVM_RUN failed: %s", v->id,
				     strerror(errno));
			break;
		}
		v->exits++;
		if (exit_handle(v) < 0)
			break;
	}
	return NULL;
}

int vcpu_start(struct vcpu *v)
{
	sigset_t set, old;
	int r;

	pthread_once(&kick_once, install_kick_handler);
	/* Only vCPU threads take the kick signal. */
	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	r = pthread_create(&v->thread, NULL, vcpu_thread, v);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return -r;
	v->thread_started = true;
	return 0;
}

void vcpu_kick(struct vcpu *v)
{
	if (!v->thread_started)
		return;
	if (v->run)
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(v->thread, KICK_SIGNAL);
}

void vcpu_join(struct vcpu *v)
{
	if (v->thread_started) {
		vcpu_kick(v);
		pthread_join(v->thread, NULL);
		v->thread_started = false;
	}
}

uint64_t vcpu_cpu_time_ns(struct vcpu *v)
{
	struct timespec ts;

	if (!v->thread_started || clock_gettime(v->cpu_clock, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct kvm_regs *vcpu_regs(struct vcpu *v)
{
	if (v->d->hv->sync_regs)
		return &v->run->s.regs.regs;
	if (ioctl(v->fd, KVM_GET_REGS, &v->regs_cache) < 0)
		memset(&v->regs_cache, 0, sizeof(v->regs_cache));
	return &v->regs_cache;
}

void vcpu_regs_dirty(struct vcpu *v)
{
	if (v->d->hv->sync_regs)
		v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	else
		ioctl(v->fd, KVM_SET_REGS, &v->regs_cache);
}

/*
 * KVM has no "flush the guest TLB" ioctl, and setting an unchanged CR3
 * through KVM_SET_SREGS flushes nothing (measured: stale translations
 * survive).  Toggling CR4.PGE twice forces KVM to reset the vCPU's MMU
 * context, which drops every cached translation; the guest cannot tell.
 */
int vcpu_flush_tlb(struct vcpu *v)
{
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	s.cr4 ^= 1ULL << 7;
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		return -errno;
	s.cr4 ^= 1ULL << 7;
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		return -errno;
	return 0;
}

int vcpu_set_cr3(struct vcpu *v, uint64_t cr3)
{
	struct kvm_sregs s;
	uint64_t old;

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	old = s.cr3;
	s.cr3 = cr3;
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		return -errno;
	v->cr3 = cr3;
	if (old == cr3)
		return vcpu_flush_tlb(v); /* a reload must flush, as on hardware */
	return 0;
}
