/* xenbus helpers for front-ends: the domain's identity and XenbusState handshakes. */
#include <ketch-guest/kit.h>
#include <ketch-guest/xenbus.h>

#include "xenbus_internal.h"

int xenbus_read_integer(xenbus_transaction_t t, const char *path, long *value)
{
	char *p;
	const char *s;
	long v = 0;
	int r = xenbus_read(t, path, &p, NULL), neg;

	if (r)
		return r;
	s = p;
	neg = *s == '-';
	s += neg;
	if (*s < '0' || *s > '9')
		r = -XEN_EINVAL;
	for (; !r && *s; s++) {
		if (*s < '0' || *s > '9')
			r = -XEN_EINVAL;
		v = v * 10 + (*s - '0');
	}
	free(p);
	if (!r)
		*value = neg ? -v : v;
	return r;
}

int xenbus_domid(domid_t *domid)
{
	long v;
	int r = xenbus_read_integer(XBT_NIL, "domid", &v);

	if (r)
		return r;
	if (v < 0 || v >= DOMID_FIRST_RESERVED)
		return -XEN_EINVAL;
	*domid = (domid_t)v;
	return 0;
}

int xenbus_domain_path(domid_t domid, char **path)
{
	char id[8];

	snprintf(id, sizeof(id), "%u", domid);
	return xb_request_str(XS_GET_DOMAIN_PATH, XBT_NIL, id, path, NULL);
}

int xenbus_read_state(const char *path, XenbusState *state)
{
	long v;
	int r = xenbus_read_integer(XBT_NIL, path, &v);

	if (r == -XEN_ENOENT) {
		*state = XenbusStateUnknown;
		return 0;
	}
	if (!r)
		*state = (XenbusState)v;
	return r;
}

int xenbus_switch_state(xenbus_transaction_t t, const char *path, XenbusState state)
{
	char v[8];

	snprintf(v, sizeof(v), "%d", (int)state);
	return xenbus_write(t, path, v);
}

static int closed(XenbusState s)
{
	return s == XenbusStateClosing || s == XenbusStateClosed;
}

int xenbus_wait_for_state(const char *path, XenbusState want, XenbusState *got,
			  uint64_t deadline)
{
	static const char token[] = "xenbus-wait-state";
	struct xenbus_event *ev;
	XenbusState s = XenbusStateUnknown;
	int r = xenbus_watch(path, token);

	/* Each event (the first comes for the watch itself) means: read again. */
	while (!r && !(r = xenbus_wait_event(token, &ev, deadline))) {
		free(ev);
		if ((r = xenbus_read_state(path, &s)))
			break;
		if (s == want)
			break;
		if (closed(s) && !closed(want))
			r = -XEN_ENOTCONN;
	}
	/* Events come before the reply to UNWATCH, so all of ours are queued now. */
	xenbus_unwatch(path, token);
	xb_drop_events(token);
	if (got)
		*got = s;
	return r;
}
