/*
 * kvm_floor_notify.c - floors for event delivery, with bare KVM:
 *  - notify round trip: the guest writes to a port bound to an ioeventfd,
 *    a host thread wakes from read() on the eventfd and sets a flag in
 *    guest memory the guest spins on;
 *  - kick: a host thread interrupts a vCPU spinning in guest code
 *    (immediate_exit + signal) until KVM_RUN returns in the vCPU thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include "bench.h"
#include "kvm_bare.h"

#define FLAG_GPA 0x7000

/* jmp . : a guest spinning forever */
static const uint8_t spin_code[] = { 0xeb, 0xfe };

/*
 * rdi = &flag.  loop: clear flag; out to 0x20 (ioeventfd); spin until flag;
 * every 'n' rounds fall through to a user-space exit on 0x10.
 */
static const uint8_t notify_code[] = {
	0xc7, 0x07, 0, 0, 0, 0,       /* 0: movl $0,(%rdi) */
	0xe6, 0x20,                   /* 6: out %al,$0x20 */
	0x8b, 0x07,                   /* 8: mov (%rdi),%eax */
	0x85, 0xc0,                   /* a: test %eax,%eax */
	0x74, 0xfa,                   /* c: je 8 */
	0xeb, 0xf0,                   /* e: jmp 0 */
};

struct notify_ctx {
	int efd;
	volatile uint32_t *flag;
	volatile int stop;
	long rounds;
};

static void *host_side(void *arg)
{
	struct notify_ctx *c = arg;
	uint64_t v;

	while (!c->stop && read(c->efd, &v, sizeof(v)) == sizeof(v)) {
		__atomic_store_n(c->flag, 1, __ATOMIC_RELEASE);
		c->rounds += (long)v;
	}
	return NULL;
}

static void alarm_handler(int s)
{
	(void)s;
}

double floor_notify_rtt_us(int ms)
{
	struct bare_vm b;
	struct notify_ctx c = { 0 };
	struct kvm_ioeventfd io = { .addr = 0x20, .len = 1, .flags = KVM_IOEVENTFD_FLAG_PIO };
	pthread_t t;
	struct sigaction sa = { .sa_handler = alarm_handler };
	double t0, us = -1;
	long before;

	if (bare_create(&b, notify_code, sizeof(notify_code)) < 0)
		return -1;
	b.regs.rdi = FLAG_GPA;
	bare_set_regs(&b);
	c.efd = eventfd(0, EFD_CLOEXEC);
	c.flag = (volatile uint32_t *)(b.mem + FLAG_GPA);
	io.fd = c.efd;
	{
		sigset_t all, old;
		int r;

		/* The alarm must end KVM_RUN here, not the helper's read(). */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		r = c.efd < 0 || ioctl(b.vm, KVM_IOEVENTFD, &io) < 0 ||
		    pthread_create(&t, NULL, host_side, &c);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (r)
			goto out;
	}
	sigaction(SIGALRM, &sa, NULL);
	before = c.rounds;
	t0 = bench_now_us();
	{
		struct itimerval it = { .it_value = { ms / 1000, (ms % 1000) * 1000 } };

		setitimer(ITIMER_REAL, &it, NULL); /* ends KVM_RUN with EINTR */
	}
	ioctl(b.vcpu, KVM_RUN, 0);
	us = (bench_now_us() - t0) / (double)(c.rounds - before + 1);
	c.stop = 1;
	*c.flag = 1;
	{ uint64_t one = 1; if (write(c.efd, &one, sizeof(one)) < 0) us = -1; }
	pthread_join(t, NULL);
out:
	if (c.efd >= 0)
		close(c.efd);
	bare_destroy(&b);
	return us;
}

struct kick_ctx {
	struct bare_vm *b;
	pthread_t vcpu;
	volatile int running, go, stop;
	volatile double t_back;
};

static void *vcpu_side(void *arg)
{
	struct kick_ctx *k = arg;
	sigset_t s;
	int seen = 0;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	for (;;) {
		while (__atomic_load_n(&k->go, __ATOMIC_SEQ_CST) == seen)
			;
		seen = k->go;
		if (k->stop)
			break;
		k->b->run->immediate_exit = 0;
		__atomic_store_n(&k->running, 1, __ATOMIC_SEQ_CST);
		ioctl(k->b->vcpu, KVM_RUN, 0);
		k->t_back = bench_now_us();
		__atomic_store_n(&k->running, 0, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static void kick_handler(int s)
{
	(void)s;
}

double floor_kick_us(int n)
{
	struct bare_vm b;
	struct kick_ctx k = { .b = &b };
	struct sigaction sa = { .sa_handler = kick_handler };
	sigset_t s;
	double sum = 0, t_kick;

	if (bare_create(&b, spin_code, sizeof(spin_code)) < 0)
		return -1;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	pthread_create(&k.vcpu, NULL, vcpu_side, &k);
	for (int i = 0; i < n; i++) {
		__atomic_add_fetch(&k.go, 1, __ATOMIC_SEQ_CST);
		while (!__atomic_load_n(&k.running, __ATOMIC_SEQ_CST))
			;
		usleep(300); /* let it enter the guest */
		t_kick = bench_now_us();
		b.run->immediate_exit = 1;
		pthread_kill(k.vcpu, SIGUSR1);
		while (__atomic_load_n(&k.running, __ATOMIC_SEQ_CST))
			;
		sum += k.t_back - t_kick;
	}
	k.stop = 1;
	__atomic_add_fetch(&k.go, 1, __ATOMIC_SEQ_CST);
	pthread_join(k.vcpu, NULL);
	bare_destroy(&b);
	return sum / n;
}
