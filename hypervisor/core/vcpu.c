/*
 * vcpu.c - one host thread per vCPU: wait while paused, KVM_RUN, hand each
 * exit to exit.c.  Kicks use immediate_exit plus a signal, so a vCPU
 * spinning in guest code leaves KVM_RUN promptly and a kick that races
 * with entry is never lost (immediate_exit is cleared under the domain
 * lock, before the state is checked).
 */
#include <stdint.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "hv.h"
#include "entry/entry.h"

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
	while (!finished(d) && !may_run(d, v)) {
		vcpu_runstate(v, v->online ? RUNSTATE_runnable : RUNSTATE_offline);
		pthread_cond_wait(&d->cond, &d->lock);
	}
	go = !finished(d);
	pthread_mutex_unlock(&d->lock);
	vcpu_runstate(v, RUNSTATE_running);
	return go;
}

/* Work due before entering the guest; false ends the thread (a crash). */
static bool before_entry(struct vcpu *v)
{
	if (!v->time_valid && shinfo(v->d)) {
		time_update_vcpu(v);
		v->time_valid = true;
	}
	if (atomic_exchange(&v->flush_pending, false))
		vcpu_flush_tlb(v);
	return upcall_check(v) == 0;
}

/* One entry and its exit; false ends the thread.  mem_rw: see hv.h. */
static bool run_once(struct vcpu *v)
{
	bool go = true;

	pthread_rwlock_rdlock(&v->d->mem_rw);
	if (!before_entry(v)) {
		go = false;
	} else if (ioctl(v->fd, KVM_RUN, 0) < 0) {
		v->regs_valid = true;
		if (errno != EINTR && errno != EAGAIN) {
			domain_crash(v->d, "vcpu%u: KVM_RUN failed: %s", v->id,
				     strerror(errno));
			go = false;
		}
	} else {
		v->exits++;
		v->regs_valid = true;
		go = exit_handle(v) >= 0;
	}
	pthread_rwlock_unlock(&v->d->mem_rw);
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
	while (wait_runnable(v) && run_once(v))
		;
	v->cpu_time_final = vcpu_cpu_time_ns(v);
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
	vcpu_wake(v); /* and out of SCHEDOP_block/poll */
}

bool vcpu_stopping(struct vcpu *v)
{
	struct domain *d = v->d;

	return __atomic_load_n(&d->paused, __ATOMIC_SEQ_CST) || d->dying ||
	       d->state == KCTL_STATE_SHUTDOWN || d->state == KCTL_STATE_CRASHED ||
	       !v->online;
}

void vcpu_set_online(struct vcpu *v, bool online)
{
	struct domain *d = v->d;

	pthread_mutex_lock(&d->lock);
	v->online = online;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	if (!online)
		vcpu_kick(v);
}

/* Load a ring-3 context; the vCPU must not be running (paused or offline). */
int vcpu_load_context(struct vcpu *v, const struct kctl_vcpu_context *c)
{
	struct kvm_regs r = {
		.rax = c->rax, .rbx = c->rbx, .rcx = c->rcx, .rdx = c->rdx,
		.rsi = c->rsi, .rdi = c->rdi, .rsp = c->rsp, .rbp = c->rbp,
		.r8 = c->r8, .r9 = c->r9, .r10 = c->r10, .r11 = c->r11,
		.r12 = c->r12, .r13 = c->r13, .r14 = c->r14, .r15 = c->r15,
		.rip = c->rip,
		/* Ring-3 guests need IOPL 3 for the hypercall stubs' port I/O. */
		.rflags = (c->rflags & 0xcd5ULL) | 0x3202ULL,
	};
	struct kvm_sregs s;

	if (c->cr3 % HV_PAGE_SIZE || c->cr3 >= v->d->mem_bytes)
		return -EINVAL;
	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	s.cr3 = c->cr3;
	s.fs.base = c->fs_base;
	s.gs.base = c->gs_base;
	entry_sregs(v, &s);
	entry_map(v->d, c->cr3);
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		return -errno;
	if (entry_vcpu_msrs(v) < 0)
		return -EIO;
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return -errno;
	v->cr3 = c->cr3;
	v->user_mode = false; /* a context is loaded in guest kernel mode */
	v->regs_valid = false;
	return 0;
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

	if (v->cpu_time_final)
		return v->cpu_time_final;
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
	entry_map(v->d, cr3);
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		return -errno;
	v->cr3 = cr3;
	if (old == cr3)
		return vcpu_flush_tlb(v); /* a reload must flush, as on hardware */
	return 0;
}
