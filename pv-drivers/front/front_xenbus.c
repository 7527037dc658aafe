/* front_xenbus.c - the frontends' xenbus handshake (see front_xenbus.h). */
#include <ketch-guest/kit.h>

#include "front_xenbus.h"

static int parse_uint(const char *s, unsigned int *v)
{
	unsigned long x = 0;

	if (!*s)
		return -XEN_EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > 0xffffffffUL / 10)
			return -XEN_EINVAL;
		x = x * 10 + (unsigned long)(*s - '0');
	}
	*v = (unsigned int)x;
	return 0;
}

int front_discover(const char *type, unsigned int *devids, unsigned int max, unsigned int *n)
{
	char **names, dir[32];
	unsigned int count;
	int r;

	snprintf(dir, sizeof(dir), "device/%s", type);
	*n = 0;
	if ((r = xenbus_directory(XBT_NIL, dir, &names, &count)))
		return r;
	for (unsigned int i = 0; i < count && *n < max; i++)
		if (parse_uint(names[i], &devids[*n]) == 0)
			(*n)++;
	free(names);
	return 0;
}

int front_read(const char *dir, const char *name, char **v)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return xenbus_read(XBT_NIL, p, v, NULL);
}

int front_find_backend(struct front_dev *f, const char *type, unsigned int devid)
{
	char *be, p[96];
	long id;
	int r;

	snprintf(f->fe, sizeof(f->fe), "device/%s/%u", type, devid);
	f->devid = devid;
	if ((r = front_read(f->fe, "backend", &be)))
		return r;
	snprintf(f->be, sizeof(f->be), "%s", be);
	free(be);
	snprintf(p, sizeof(p), "%s/backend-id", f->fe);
	if (xenbus_read_integer(XBT_NIL, p, &id) || id < 0 || id >= DOMID_FIRST_RESERVED)
		return -XEN_EINVAL;
	f->be_id = (domid_t)id;
	return 0;
}

int front_write_uint(struct front_dev *f, xenbus_transaction_t t, const char *name,
		     unsigned int v)
{
	char p[96], s[16];

	snprintf(p, sizeof(p), "%s/%s", f->fe, name);
	snprintf(s, sizeof(s), "%u", v);
	return xenbus_write(t, p, s);
}

int front_switch_state(struct front_dev *f, xenbus_transaction_t t, XenbusState s)
{
	char p[96];

	snprintf(p, sizeof(p), "%s/state", f->fe);
	return xenbus_switch_state(t, p, s);
}

int front_wait_backend(struct front_dev *f, XenbusState want)
{
	char p[160];
	XenbusState got;

	snprintf(p, sizeof(p), "%s/state", f->be);
	return xenbus_wait_for_state(p, want, &got, now_ns() + f->timeout_ns);
}

int front_leave(struct front_dev *f)
{
	int r = front_switch_state(f, XBT_NIL, XenbusStateClosing);
	int w = front_wait_backend(f, XenbusStateClosing);

	/* A backend already Closed answers -XEN_ENOTCONN: also gone. */
	if (!r && w && w != -XEN_ENOTCONN)
		r = w;
	return r ? r : front_switch_state(f, XBT_NIL, XenbusStateClosed);
}

static void state_path(const struct front_dev *f, char *p, size_t n)
{
	snprintf(p, n, "%s/state", f->be);
}

int front_watch_backend(struct front_dev *f)
{
	char p[160];

	state_path(f, p, sizeof(p));
	return xenbus_watch(p, f->fe);
}

void front_unwatch_backend(struct front_dev *f)
{
	struct xenbus_event *ev;
	char p[160];

	state_path(f, p, sizeof(p));
	xenbus_unwatch(p, f->fe);
	/* Events come before the reply to UNWATCH: all of ours are queued. */
	while (!xenbus_take_event(f->fe, &ev))
		free(ev);
}

int front_backend_pending(const struct front_dev *f)
{
	return xenbus_event_pending(f->fe);
}

int front_backend_news(struct front_dev *f, long *s)
{
	struct xenbus_event *ev;
	char p[160];
	int n = 0, r;

	while (!(r = xenbus_take_event(f->fe, &ev))) {
		free(ev);
		n++;
	}
	if (r != -XEN_EAGAIN)
		return r;
	if (!n)
		return 0;
	/* The backend's word is untrusted: a state that is not a number is
	 * reported as -1, for the device to refuse. */
	state_path(f, p, sizeof(p));
	r = xenbus_read_integer(XBT_NIL, p, s);
	if (r == -XEN_ENOENT)
		*s = XenbusStateUnknown;
	else if (r == -XEN_EINVAL)
		*s = -1;
	else if (r)
		return r;
	return 1;
}

int front_backend_online(struct front_dev *f)
{
	char p[160];
	long v;

	snprintf(p, sizeof(p), "%s/online", f->be);
	return !xenbus_read_integer(XBT_NIL, p, &v) && v == 1;
}
