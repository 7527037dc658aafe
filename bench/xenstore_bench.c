/* xenstore throughput and watch latency through libxenstore, for ketch-xenstored
 * and a reference daemon side by side, with a bare Unix-socket echo as the floor.
 *   usage: xenstore_bench OURS_SOCKET [REFERENCE_SOCKET|-] [OPS]
 * With XS_BENCH_OURS_PID / XS_BENCH_REF_PID set, also the daemons' CPU per operation. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

enum op { OP_WRITE, OP_READ, OP_DIRECTORY, OP_TRANSACTION, OP_WATCH, OP_COUNT };

static const char *op_name[OP_COUNT] = {
	"write", "read", "directory (17 entries)", "transaction start+write+end",
	"watch fire (write -> event)",
};

struct worker {
	pthread_t th;
	enum op op;
	int id;
	long ops;
	const char *sock; /* NULL: echo floor */
	bool failed;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the floor: a single-threaded epoll echo server, one round trip per op ---- */

struct echo_server {
	char path[108];
	int lfd, ep;
	pthread_t th;
};

static void *echo_main(void *arg)
{
	struct echo_server *s = arg;
	struct epoll_event ev[64];
	char buf[4096];

	for (;;) {
		int n = epoll_wait(s->ep, ev, 64, -1);

		for (int i = 0; i < n; i++) {
			int fd = ev[i].data.fd;

			if (fd == s->lfd) {
				int c = accept(s->lfd, NULL, NULL);
				struct epoll_event e = {.events = EPOLLIN, .data.fd = c};

				if (c >= 0)
					epoll_ctl(s->ep, EPOLL_CTL_ADD, c, &e);
				continue;
			}
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r <= 0 || write(fd, buf, (size_t)r) != r)
				close(fd);
		}
	}
	return NULL;
}

static int echo_start(struct echo_server *s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct epoll_event e = {.events = EPOLLIN};

	snprintf(s->path, sizeof(s->path), "/tmp/xs-echo-%d", (int)getpid());
	strcpy(sa.sun_path, s->path);
	unlink(s->path);
	s->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	s->ep = epoll_create1(0);
	e.data.fd = s->lfd;
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(s->lfd, 64) ||
	    epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &e))
		return -1;
	return pthread_create(&s->th, NULL, echo_main, s);
}

static bool echo_client(struct worker *w, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char msg[16 + 8] = "header-and-path", back[sizeof(msg)];
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return false;
	for (long i = 0; i < w->ops; i++)
		if (write(fd, msg, sizeof(msg)) != sizeof(msg) ||
		    recv(fd, back, sizeof(back), MSG_WAITALL) != sizeof(back))
			return false;
	close(fd);
	return true;
}

/* ---- xenstore clients ---- */

static bool watch_ops(struct xs_handle *h, struct xs_handle *wh, const char base[24], long ops)
{
	char path[64], tok[32];
	unsigned n;

	snprintf(tok, sizeof(tok), "b%s", base + 10);
	if (!xs_watch(wh, base, tok))
		return false;
	free(xs_read_watch(wh, &n)); /* the initial event */
	for (long i = 0; i < ops; i++) {
		char **ev;

		snprintf(path, sizeof(path), "%s/k", base);
		if (!xs_write(h, XBT_NULL, path, "v", 1))
			return false;
		ev = xs_read_watch(wh, &n);
		if (!ev)
			return false;
		free(ev);
	}
	return xs_unwatch(wh, base, tok);
}

static bool one_op(struct xs_handle *h, enum op op, const char base[24], char path[64])
{
	xs_transaction_t t;
	unsigned n;
	void *r;

	switch (op) {
	case OP_WRITE:
		snprintf(path, 64, "%s/k", base);
		return xs_write(h, XBT_NULL, path, "value", 5);
	case OP_READ:
		snprintf(path, 64, "%s/k", base);
		r = xs_read(h, XBT_NULL, path, &n);
		break;
	case OP_DIRECTORY:
		snprintf(path, 64, "%s/dir", base);
		r = xs_directory(h, XBT_NULL, path, &n);
		break;
	case OP_TRANSACTION:
		snprintf(path, 64, "%s/k", base);
		do {
			t = xs_transaction_start(h);
			if (!t || !xs_write(h, t, path, "tx", 2))
				return false;
		} while (!xs_transaction_end(h, t, false) && errno == EAGAIN);
		return true;
	default:
		return false;
	}
	free(r);
	return r != NULL;
}

static bool xs_client(struct worker *w)
{
	struct xs_handle *h = xs_open(0), *wh = NULL;
	char base[24], path[64];
	bool ok = h != NULL;

	snprintf(base, sizeof(base), "/bench/c%d", w->id);
	for (int i = 0; ok && i < 17; i++) {
		snprintf(path, sizeof(path), "%s/dir/entry%02d", base, i);
		ok = xs_write(h, XBT_NULL, path, "x", 1);
	}
	ok = ok && xs_write(h, XBT_NULL, base, "", 0);
	snprintf(path, sizeof(path), "%s/k", base);
	ok = ok && xs_write(h, XBT_NULL, path, "value", 5);
	if (ok && w->op == OP_WATCH) {
		wh = xs_open(0);
		ok = wh && watch_ops(h, wh, base, w->ops);
	} else {
		for (long i = 0; ok && i < w->ops; i++)
			ok = one_op(h, w->op, base, path);
	}
	xs_close(wh);
	xs_close(h);
	return ok;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->failed = !(w->sock ? xs_client(w) : echo_client(w, getenv("XS_BENCH_ECHO")));
	return NULL;
}

/* Runs op with n clients against sock (NULL: echo); returns ops per second, 0 on failure. */
static double run(const char *sock, enum op op, int n, long total)
{
	struct worker w[8];
	double t0, dt;

	if (sock)
		setenv("XENSTORED_PATH", sock, 1);
	t0 = now();
	for (int i = 0; i < n; i++) {
		w[i] = (struct worker){.op = op, .id = i, .ops = total / n, .sock = sock};
		pthread_create(&w[i].th, NULL, worker_main, &w[i]);
	}
	for (int i = 0; i < n; i++)
		pthread_join(w[i].th, NULL);
	dt = now() - t0;
	for (int i = 0; i < n; i++)
		if (w[i].failed)
			return 0;
	return (double)(total / n * n) / dt;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* CPU seconds (user + system) used so far by process pid; 0 if unknown. */
static double cpu_of(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold spaces */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/*
 * Median of three runs, so one scheduling hiccup does not decide a figure.
 * *cpu_us: the daemon's CPU time per operation over the three runs (a figure
 * the load on a shared machine disturbs much less than throughput).
 */
static double median_run(const char *sock, long pid, enum op op, int n, long total,
			 double *cpu_us)
{
	double r[3], c0 = cpu_of(pid);

	for (int i = 0; i < 3; i++)
		if ((r[i] = run(sock, op, n, total)) == 0)
			return 0;
	*cpu_us = (cpu_of(pid) - c0) * 1e6 / (3.0 * (double)(total / n * n));
	qsort(r, 3, sizeof(r[0]), cmp_double);
	return r[1];
}

struct figure {
	double rate, cpu_us;
};

static void print_row(enum op op, int n, struct figure o, struct figure r, double echo)
{
	char refs[96] = "reference n/a";

	if (r.rate > 0)
		snprintf(refs, sizeof(refs), "reference %6.1fk/s  ours/ref %4.2fx", r.rate / 1e3,
			 o.rate / r.rate);
	printf("xenstore %-29s %d client%s  ours %6.1fk/s (%6.1f us)  %s  "
	       "floor %6.1fk/s  ours/floor %4.2f\n",
	       op_name[op], n, n > 1 ? "s" : " ", o.rate / 1e3, o.rate > 0 ? n * 1e6 / o.rate : 0,
	       refs, echo / 1e3, echo > 0 ? o.rate / echo : 0);
	if (o.cpu_us > 0 && r.cpu_us > 0)
		printf("    daemon CPU per operation: ours %5.1f us, reference %5.1f us, "
		       "ref/ours %4.2fx\n",
		       o.cpu_us, r.cpu_us, r.cpu_us / o.cpu_us);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *ours, *ref;
	long ops, ours_pid, ref_pid;
	struct echo_server es;
	static const int clients[] = {1, 8};

	if (argc < 2) {
		fprintf(stderr, "usage: %s OURS_SOCKET [REFERENCE_SOCKET|-] [OPS]\n", argv[0]);
		return 2;
	}
	ours = argv[1];
	ref = argc > 2 && strcmp(argv[2], "-") ? argv[2] : NULL;
	ops = argc > 3 ? atol(argv[3]) : 20000;
	ours_pid = getenv("XS_BENCH_OURS_PID") ? atol(getenv("XS_BENCH_OURS_PID")) : 0;
	ref_pid = getenv("XS_BENCH_REF_PID") ? atol(getenv("XS_BENCH_REF_PID")) : 0;
	if (echo_start(&es)) {
		perror("echo server");
		return 1;
	}
	setenv("XS_BENCH_ECHO", es.path, 1);
	/* Warm-up: first connections, page faults, CPU frequency. */
	run(ours, OP_WRITE, 1, ops / 4);
	if (ref)
		run(ref, OP_WRITE, 1, ops / 4);
	run(NULL, OP_WRITE, 1, ops / 4);
	printf("xenstore: %ld operations per figure, median of 3 runs; ours = ketch-xenstored, "
	       "reference = %s, floor = Unix-socket echo round trip\n",
	       ops, ref ? "Debian's C xenstored" : "not running");
	for (int op = 0; op < OP_COUNT; op++) {
		for (int c = 0; c < 2; c++) {
			struct figure o = {0}, r = {0};
			double e, dummy;

			o.rate = median_run(ours, ours_pid, op, clients[c], ops, &o.cpu_us);
			if (ref)
				r.rate = median_run(ref, ref_pid, op, clients[c], ops, &r.cpu_us);
			e = median_run(NULL, 0, op, clients[c], ops, &dummy);
			if (o.rate == 0) {
				fprintf(stderr, "xenstore bench: %s failed against ours\n", op_name[op]);
				return 1;
			}
			print_row(op, clients[c], o, r, e);
		}
	}
	unlink(es.path);
	return 0;
}
