/*
 * migrate.c - ketchd's side of live migration (docs/save-migrate.md).
 * The network is a child's (migrate_send.c, migrate_recv.c); ketchd only
 * reads their ctl messages (each time round its loop, which their sockets
 * wake) and does what needs ketch-hv,
 * xenstore or its domain table: on the source the suspend (save.c's, in
 * KD_SAVE_MIGRATE mode), the state stream, and at the end destroy or
 * resume; on the target the restore (paused) and the unpause.  Nothing
 * here waits on the peer, so every other client and domain is served
 * meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xen/xen.h>

#include "ketchd.h"
#include "migrate.h"

/* An outgoing migration (d->mig). */
struct kd_mig_out {
	pid_t pid;
	int ctl, state_fd;
	struct kd_conn *waiter;
	struct json_object *id;
	int timeout_s;
	bool suspended;
	int64_t t0, suspended_ms, state_ms;
	struct kd_migrate_stats st;
	struct kd_progress progress; /* of the round under way */
	int round;                   /* progress's, -1 before the first */
	char target[280];            /* "HOST:PORT", the progress events' file */
};

/* An incoming one (kd->mig_in). */
struct kd_mig_in {
	struct kd_mig_in *next;
	pid_t pid;
	int ctl, out_fd;
	struct kctl *image;    /* the connection holding its memory image in ketch-hv */
	uint64_t size;         /* the domain's memory, from the source's hello */
	uint32_t domid;
	bool built, running;
	int64_t t0;
	char peer[64];
};

/* A child of the loop: dies with ketchd, keeps only what it is given. */
static pid_t spawn(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		sigset_t all;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
	}
	return pid;
}

/*
 * The child's messages wake the loop: edge-triggered, because a message
 * may wait unread (the source reads none while its save runs) and must
 * not wake it again and again; the loop reads them all each time round.
 */
static int ctl_pair(struct kd *kd, int sv[2])
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u64 = KD_MIG_TAG };

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	if (epoll_ctl(kd->epfd, EPOLL_CTL_ADD, sv[0], &ev)) {
		int e = errno;

		close(sv[0]);
		close(sv[1]);
		sv[0] = sv[1] = -1;
		return -e;
	}
	return 0;
}

/* Out of the loop's set first: a later child may hold a copy of the fd. */
static void ctl_close(struct kd *kd, int fd)
{
	epoll_ctl(kd->epfd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
}

/* ---- the source ---- */

/* m is over (its domain's d->mig already cleared): reply, stop the child. */
static void out_end(struct kd *kd, struct kd_mig_out *m, int r, const struct kd_error *err)
{
	m->st.ms = kd_now_ms() - m->t0;
	if (m->waiter)
		kd_api_migrate_reply(kd, m->waiter, m->id, r, &m->st, err);
	if (m->pid > 0)
		kill(m->pid, SIGKILL); /* reaped with the backends (SIGCHLD) */
	ctl_close(kd, m->ctl);
	close(m->state_fd);
	if (m->id)
		json_object_put(m->id);
	free(m);
}

/* The source's failure: the guest goes on here (its suspend returns 1). */
static void out_failed(struct kd *kd, struct kd_domain *d, const char *why)
{
	struct kd_mig_out *m = d->mig;
	struct kd_error err;

	memset(&err, 0, sizeof(err));
	kd_error_set(&err, "migrate_failed", "", "%s", why);
	kd_log("d%u (%s): migration failed: %s%s", d->domid, d->cfg.name, why,
	       m->suspended ? "; resuming it here" : "");
	kctl_dirty_log(kd->hv, d->domid, false); /* KVM stops write-protecting its pages */
	if (m->suspended) {
		kd_migrate_retake_disks(kd, d);
		if (kctl_resume(kd->hv, d->domid) || kctl_unpause(kd->hv, d->domid))
			kd_log("d%u (%s): cannot resume it", d->domid, d->cfg.name);
	}
	d->mig = NULL;
	out_end(kd, m, -EIO, &err);
}

static void out_done(struct kd *kd, struct kd_domain *d, const struct mig_ctl *c)
{
	struct kd_mig_out *m = d->mig;

	m->st.target_domid = (uint32_t)c->a;
	m->st.pages = (uint64_t)c->b;
	m->st.bytes = (uint64_t)c->c;
	m->st.last_pages = (uint64_t)c->d;
	m->st.downtime_ms = kd_now_ms() - m->suspended_ms;
	m->pid = 0;
	kd_log("d%u (%s): migrated (now domain %u there): %llu pages, %llu bytes, "
	       "%u rounds, down %lld ms (the state written %lld ms after the suspend; %s)",
	       d->domid, d->cfg.name, m->st.target_domid, (unsigned long long)m->st.pages,
	       (unsigned long long)m->st.bytes, m->st.rounds, (long long)m->st.downtime_ms,
	       (long long)(m->state_ms - m->suspended_ms), c->text);
	d->mig = NULL;
	kd_domain_destroy(kd, d);
	out_end(kd, m, 0, NULL);
}

static void out_suspend(struct kd *kd, struct kd_domain *d)
{
	struct kd_error err;

	memset(&err, 0, sizeof(err));
	if (kd_save_start(kd, d, "(migration)", KD_SAVE_MIGRATE, d->mig->timeout_s, NULL, NULL,
			  &err)) {
		mig_ctl_send(d->mig->ctl, 'A', 0, 0, 0, 0, err.message);
		out_failed(kd, d, err.message);
		return;
	}
	kd_log("d%u (%s): live rounds done; asked to suspend for the last", d->domid,
	       d->cfg.name);
}

void kd_migrate_suspended(struct kd *kd, struct kd_domain *d, int r, const struct kd_error *e)
{
	struct kd_mig_out *m = d->mig;
	struct kd_save_stats st = { 0 };
	struct kd_error err;
	off_t len;

	if (!m)
		return;
	if (r) {
		mig_ctl_send(m->ctl, 'A', 0, 0, 0, 0, e->message);
		out_failed(kd, d, e->message);
		return;
	}
	m->suspended = true;
	m->suspended_ms = kd_now_ms();
	if (d->con)
		kd_console_drain(kd, d);
	kd_migrate_release_disks(kd, d);
	memset(&err, 0, sizeof(err));
	if (ftruncate(m->state_fd, 0) ||
	    kd_save_write_state(kd, d, m->state_fd, &st, &err) ||
	    (len = lseek(m->state_fd, 0, SEEK_END)) <= 0 ||
	    (m->state_ms = kd_now_ms(), mig_ctl_send(m->ctl, 'F', len, 0, 0, 0, NULL))) {
		mig_ctl_send(m->ctl, 'A', 0, 0, 0, 0, "cannot write the state");
		out_failed(kd, d, err.message[0] ? err.message : "cannot write the state");
	}
}

/* Round round's progress: done of total frames, as "progress" events. */
static void out_progress(struct kd *kd, struct kd_domain *d, int round, uint64_t done,
			 uint64_t total, uint64_t bytes, bool last)
{
	struct kd_mig_out *m = d->mig;

	if (m->round != round) {
		m->round = round;
		kd_progress_begin(&m->progress, kd, "migrate", m->target, d, total, "pages");
		m->progress.round = round;
	}
	m->progress.total = total;
	kd_progress_update(&m->progress, done, bytes, last);
}

/* A live round's end: what it sent, of what it looked at. */
static void out_round(struct kd *kd, struct kd_domain *d, const struct mig_ctl *c)
{
	struct kd_mig_out *m = d->mig;
	uint64_t sent = (uint64_t)c->d & 0xffffffffu, seen = (uint64_t)c->d >> 32;

	m->st.rounds = (unsigned int)c->a + 1;
	m->st.pages = (uint64_t)c->b;
	m->st.bytes = (uint64_t)c->c;
	out_progress(kd, d, (int)c->a, seen, seen, (uint64_t)c->c, true);
	kd_log("d%u (%s): migration round %u: %llu pages sent of %llu %s", d->domid,
	       d->cfg.name, (unsigned int)c->a, (unsigned long long)sent,
	       (unsigned long long)seen, c->a ? "the guest wrote" : "in its memory");
	kd_migrate_progress(kd, d, (unsigned int)c->a, (uint64_t)c->b, (uint64_t)c->c, sent);
}

/* One ctl message of d's sender. */
static void out_msg(struct kd *kd, struct kd_domain *d, const struct mig_ctl *c)
{
	switch (c->kind) {
	case 'p':
		out_progress(kd, d, (int)c->a, (uint64_t)c->d >> 32, (uint64_t)c->d & 0xffffffffu,
			     (uint64_t)c->c, false);
		break;
	case 'P': out_round(kd, d, c); break;
	case 'S': out_suspend(kd, d); break;
	case 'O': out_done(kd, d, c); break;
	default: out_failed(kd, d, c->text[0] ? c->text : "the migration failed"); break;
	}
}

static void out_poll(struct kd *kd, struct kd_domain *d)
{
	struct mig_ctl c;
	ssize_t n;

	while (d->mig && !d->save && (n = recv(d->mig->ctl, &c, sizeof(c), 0)) != -1) {
		if (n != (ssize_t)sizeof(c)) {
			d->mig->pid = 0;
			out_failed(kd, d, "the migration process died");
			return;
		}
		out_msg(kd, d, &c);
		if (c.kind == 'O')
			return; /* done: d is destroyed, freed */
	}
}

int kd_migrate_start(struct kd *kd, struct kd_domain *d, const char *host, const char *port,
		     int timeout_s, struct kd_conn *c, struct json_object *id,
		     struct kd_error *err)
{
	struct mig_send_args a = { .host = host, .port = port, .key = kd->mig_key,
				   .klen = kd->mig_klen, .timeout_s = kd->opt.migrate_timeout_s,
				   .vcpus = d->cfg.vcpus, .domid = d->domid,
				   .name = d->cfg.name, .uuid = d->cfg.uuid,
				   .hv_socket = kd->opt.hv_socket };
	struct kd_guest_mem g = { .fd = -1 };
	struct kctl_dominfo i;
	struct kd_mig_out *m;
	int sv[2], r;

	if (!kd->mig_klen)
		return kd_error_set(err, "no_migrate_key", "", "ketchd was started without "
				    "--migrate-key: it cannot prove itself to a target");
	if (d->save || d->mig)
		return kd_error_set(err, "busy", "", "domain %u (%s) is already being saved "
				    "or migrated", d->domid, d->cfg.name);
	if ((r = kctl_getinfo(kd->hv, d->domid, &i)) ||
	    (i.state != KCTL_STATE_RUNNING && i.state != KCTL_STATE_BLOCKED))
		return kd_error_set(err, r ? "hv_error" : "domain_stopped", "", "domain %u (%s) "
				    "is not running: it must run to suspend itself", d->domid,
				    d->cfg.name);
	if (!d->boot.hypercall_page_va)
		return kd_error_set(err, "migrate_failed", "", "domain %u was adopted from an "
				    "older ketchd, which did not record its hypercall page", d->domid);
	/* A clone's pages are in its memfd only once shared; the log is on
	 * before the first round reads, so no write of the guest's is missed. */
	if ((r = kctl_mem_share(kd->hv, d->domid, 0, ~0ULL, NULL)) ||
	    (r = kctl_dirty_log(kd->hv, d->domid, true)) ||
	    (r = kd_guest_mem_open(kd, d->domid, &g))) {
		kctl_dirty_log(kd->hv, d->domid, false);
		return kd_error_set(err, "hv_error", "", "cannot map domain %u's memory: %s",
				    d->domid, kctl_strerror(r));
	}
	a.mem = &g;
	a.size = g.size;
	m = calloc(1, sizeof(*m));
	a.state_fd = memfd_create("ketch-migrate-state", MFD_CLOEXEC);
	if (!m || a.state_fd < 0 || ctl_pair(kd, sv)) {
		kctl_dirty_log(kd->hv, d->domid, false);
		kd_guest_mem_close(&g);
		if (a.state_fd >= 0)
			close(a.state_fd);
		free(m);
		return kd_error_set(err, "internal", "", "cannot set up: %s", strerror(errno));
	}
	a.ctl = sv[1];
	m->pid = spawn();
	if (m->pid == 0) {
		close(sv[0]);
		mig_send_main(&a);
	}
	close(sv[1]);
	kd_guest_mem_close(&g);
	m->ctl = sv[0];
	m->state_fd = a.state_fd;
	if (m->pid < 0) {
		kctl_dirty_log(kd->hv, d->domid, false);
		ctl_close(kd, m->ctl);
		close(m->state_fd);
		free(m);
		return kd_error_set(err, "internal", "", "fork: %s", strerror(errno));
	}
	m->timeout_s = timeout_s;
	m->t0 = kd_now_ms();
	m->round = -1;
	snprintf(m->target, sizeof(m->target), "%s:%s", host, port);
	m->waiter = c;
	m->id = id ? json_object_get(id) : NULL;
	if (c)
		c->waiting = true;
	d->mig = m;
	kd_log("d%u (%s): migrating to %s port %s (process %d)", d->domid, d->cfg.name, host,
	       port, (int)m->pid);
	return 0;
}

void kd_migrate_abandon(struct kd *kd, struct kd_domain *d)
{
	struct kd_mig_out *m;
	struct kd_error err;

	if (!d->mig)
		return;
	memset(&err, 0, sizeof(err));
	kd_error_set(&err, "domain_stopped", "", "domain %u (%s) went away during its "
		     "migration", d->domid, d->cfg.name);
	m = d->mig;
	d->mig = NULL;
	out_end(kd, m, -ESRCH, &err);
}

void kd_migrate_conn_gone(struct kd *kd, struct kd_conn *c)
{
	for (struct kd_domain *d = kd->domains; d; d = d->next)
		if (d->mig && d->mig->waiter == c)
			d->mig->waiter = NULL;
}

/* ---- the target ---- */

static void in_free(struct kd *kd, struct kd_mig_in *m)
{
	struct kd_mig_in **p = &kd->mig_in;

	while (*p != m)
		p = &(*p)->next;
	*p = m->next;
	if (m->built && !m->running) {
		struct kd_domain *d = kd_domain_by_id(kd, m->domid);

		kd_log("migration from %s: destroying the half-built domain %u", m->peer,
		       m->domid);
		if (d)
			kd_domain_destroy(kd, d);
	}
	kill(m->pid, SIGKILL);
	ctl_close(kd, m->ctl);
	close(m->out_fd);
	if (m->image)
		kctl_close(m->image); /* an image not adopted goes with it */
	free(m);
}

/*
 * The source authenticated and told the domain's size, name and uuid:
 * refused if a domain here holds either, else an image of it in
 * ketch-hv, on a connection of this migration's own (an image belongs to
 * its connection, and several migrations may arrive at once), handed to
 * the child to write the pages into.
 */
static void in_image(struct kd *kd, struct kd_mig_in *m, const struct mig_ctl *c)
{
	char why[sizeof(((struct kd_error *)0)->message) + 64], name[sizeof(c->text)];
	uint8_t uuid[16];
	struct kd_error err;
	int fd = -1, r = 0;

	/* the child checked the name is terminated; the uuid rides in c and d */
	memcpy(name, c->text, sizeof(name));
	name[sizeof(name) - 1] = 0;
	memcpy(uuid, &c->c, 8);
	memcpy(uuid + 8, &c->d, 8);
	m->size = (uint64_t)c->a;
	memset(&err, 0, sizeof(err));
	if (kd_domain_check_unique(kd, name, uuid, &err)) {
		/* err.message reads "name: ..." or "uuid: ...", as create's */
		snprintf(why, sizeof(why), "%s on the target", err.message);
		kd_log("migration from %s: refused: %s", m->peer, why);
		mig_ctl_send(m->ctl, 'E', 0, 0, 0, 0, why);
		return;
	}
	if (!m->image)
		m->image = kctl_open_timeout(kd->opt.hv_socket, kd->opt.hv_timeout_s * 1000, &r);
	if (m->image)
		r = kctl_mem_image_new_fd(m->image, m->size, &fd);
	if (!r)
		r = mig_ctl_send_fd(m->ctl, 'I', 0, fd);
	if (fd >= 0)
		close(fd);
	if (r) {
		kd_log("migration from %s: no memory image: %s", m->peer, kctl_strerror(r));
		mig_ctl_send(m->ctl, 'E', 0, 0, 0, 0, "the target cannot hold the memory");
		return;
	}
	/* Logged once the image is given: from here the receiver needs
	 * nothing of ours until the state has arrived. */
	kd_log("migration from %s: authenticated; %.64s, %lld MiB, %lld vCPUs, its memory "
	       "image given", m->peer, name, (long long)(c->a >> 20), (long long)c->b);
}

/* The stream is in m->out_fd, the pages in the image: the domain, paused. */
static void in_restore(struct kd *kd, struct kd_mig_in *m, uint64_t frames)
{
	struct kd_save_stats st;
	struct kd_domain *d;
	struct kd_error err;
	char path[64];
	int64_t t0;
	int r;

	memset(&err, 0, sizeof(err));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", m->out_fd);
	t0 = kd_now_ms();
	r = m->image ? kd_restore_image(kd, path, m->image, NULL, true, &d, &st, &err)
		     : kd_error_set(&err, "internal", "", "no memory image");
	if (r) {
		kd_log("migration from %s: cannot build the domain: %s", m->peer, err.message);
		mig_ctl_send(m->ctl, 'E', 0, 0, 0, 0, err.message);
		return;
	}
	m->built = true;
	m->domid = d->domid;
	kd_log("migration from %s: built d%u (%s), paused, on the %llu frames received, in %lld ms",
	       m->peer, d->domid, d->cfg.name, (unsigned long long)frames,
	       (long long)(kd_now_ms() - t0));
	mig_ctl_send(m->ctl, 'Y', d->domid, 0, 0, 0, NULL);
}

static void in_run(struct kd *kd, struct kd_mig_in *m)
{
	int r = kctl_unpause(kd->hv, m->domid);

	if (r) {
		mig_ctl_send(m->ctl, 'E', 0, 0, 0, 0, kctl_strerror(r));
		return;
	}
	m->running = true;
	kd_log("migration from %s: d%u runs (%lld ms after the connection)", m->peer,
	       m->domid, (long long)(kd_now_ms() - m->t0));
	mig_ctl_send(m->ctl, 'O', m->domid, 0, 0, 0, NULL);
}

/* false once m is over (freed). */
static bool in_poll(struct kd *kd, struct kd_mig_in *m)
{
	struct mig_ctl c;
	ssize_t n;

	while ((n = recv(m->ctl, &c, sizeof(c), 0)) != -1) {
		if (n != (ssize_t)sizeof(c) || c.kind == 'E') {
			if (!m->running)
				kd_log("migration from %s failed: %s", m->peer,
				       n == (ssize_t)sizeof(c) ? c.text : "its process died");
			in_free(kd, m);
			return false;
		}
		if (c.kind == 'H')
			in_image(kd, m, &c);
		else if (c.kind == 'R')
			in_restore(kd, m, (uint64_t)c.b);
		else if (c.kind == 'G')
			in_run(kd, m);
	}
	return true;
}

static void sockaddr_name(const struct sockaddr_storage *sa, socklen_t sl, char *buf,
			  size_t n)
{
	char h[48], p[8];

	if (getnameinfo((const struct sockaddr *)sa, sl, h, sizeof(h), p, sizeof(p),
			NI_NUMERICHOST | NI_NUMERICSERV))
		snprintf(buf, n, "?");
	else
		snprintf(buf, n, "%s port %s", h, p);
}

/* --migrate-listen ADDR:PORT: the socket sources connect to. */
int kd_migrate_listen(struct kd *kd)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *ai;
	char host[256], *colon;
	const char *spec = kd->opt.migrate_listen;
	int one = 1, r;

	kd->mig_fd = -1;
	if (!spec)
		return 0;
	colon = strrchr(spec, ':');
	if (!colon || (size_t)(colon - spec) >= sizeof(host))
		return kd_log("--migrate-listen %s: give ADDR:PORT", spec), -1;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = 0;
	if ((r = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai)))
		return kd_log("--migrate-listen %s: %s", spec, gai_strerror(r)), -1;
	kd->mig_fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (kd->mig_fd < 0 ||
	    setsockopt(kd->mig_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(kd->mig_fd, ai->ai_addr, ai->ai_addrlen) || listen(kd->mig_fd, 8)) {
		kd_log("--migrate-listen %s: %s", spec, strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	kd_log("migrations accepted on %s", spec);
	return 0;
}

void kd_migrate_accept(struct kd *kd)
{
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	int fd = accept4(kd->mig_fd, (struct sockaddr *)&sa, &sl, SOCK_CLOEXEC), sv[2];
	struct kd_mig_in *m;

	if (fd < 0)
		return;
	m = calloc(1, sizeof(*m));
	sv[0] = sv[1] = -1;
	if (m)
		m->out_fd = -1;
	if (!m || ctl_pair(kd, sv) ||
	    (m->out_fd = memfd_create("ketch-migrate-in", MFD_CLOEXEC)) < 0) {
		kd_log("migration: cannot take a connection: %s", strerror(errno));
		if (sv[0] >= 0)
			ctl_close(kd, sv[0]);
		if (sv[1] >= 0)
			close(sv[1]);
		if (m && m->out_fd >= 0)
			close(m->out_fd);
		free(m);
		close(fd);
		return;
	}
	sockaddr_name(&sa, sl, m->peer, sizeof(m->peer));
	m->pid = spawn();
	if (m->pid == 0) {
		close(sv[0]);
		mig_recv_main(sv[1], fd, m->out_fd, kd->mig_key, kd->mig_klen,
			      kd->opt.migrate_timeout_s);
	}
	close(sv[1]);
	close(fd);
	m->ctl = sv[0];
	m->t0 = kd_now_ms();
	m->next = kd->mig_in;
	kd->mig_in = m;
	kd_log("migration: connection from %s (process %d)", m->peer, (int)m->pid);
}

int kd_migrate_timers(struct kd *kd)
{
	for (struct kd_mig_in *m = kd->mig_in, *n; m; m = n) {
		n = m->next;
		in_poll(kd, m);
	}
	for (struct kd_domain *d = kd->domains, *n; d; d = n) {
		n = d->next;
		if (d->mig)
			out_poll(kd, d);
	}
	return -1;
}
