/* Handlers for domain management and CONTROL. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "domain.h"

/* Parses a decimal domain id; -EINVAL unless it is one. */
static int parse_domid(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	v = strtoul(s, &end, 10);
	if (*end || v >= 0x7ff0) /* DOMID_FIRST_RESERVED */
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int xs_op_introduce(struct xs_req *r)
{
	uint16_t domid;
	char *end;
	long long gfn;
	unsigned long port;
	int err = parse_domid(r->argv[0], &domid);

	if (err)
		return err;
	gfn = strtoll(r->argv[1], &end, 10); /* "signed decimal (!)" says Xen */
	if (*end || r->argv[1][0] == '\0')
		return -EINVAL;
	port = strtoul(r->argv[2], &end, 10);
	if (*end || r->argv[2][0] == '\0' || port > UINT32_MAX)
		return -EINVAL;
	err = xs_domain_introduce(r->ctx, domid, (uint64_t)gfn, (uint32_t)port);
	if (err == -ENOSYS)
		xs_log(r->ctx, "INTRODUCE of domain %u refused: no hypervisor client is built in, "
			       "guest rings cannot be mapped", domid);
	if (err)
		return err;
	return xs_req_ack(r);
}

int xs_op_release(struct xs_req *r)
{
	uint16_t domid;
	int err = parse_domid(r->argv[0], &domid);

	if (err || (err = domid == 0 ? -EINVAL : xs_domain_release(r->ctx, domid)))
		return err;
	return xs_req_ack(r);
}

int xs_op_get_domain_path(struct xs_req *r)
{
	char buf[32];
	uint16_t domid;
	int err = parse_domid(r->argv[0], &domid);

	if (err)
		return err;
	return xs_conn_reply(r->conn, r->hdr, XS_GET_DOMAIN_PATH, buf,
			     (uint32_t)snprintf(buf, sizeof(buf), "/local/domain/%u", domid) + 1);
}

int xs_op_is_domain_introduced(struct xs_req *r)
{
	uint16_t domid;
	int err = parse_domid(r->argv[0], &domid);
	bool yes;

	if (err)
		return err;
	yes = domid == 0 || xs_domain_find(r->ctx, domid);
	return xs_conn_reply(r->conn, r->hdr, XS_IS_DOMAIN_INTRODUCED, yes ? "T" : "F", 2);
}

int xs_op_resume(struct xs_req *r)
{
	uint16_t domid;
	int err = parse_domid(r->argv[0], &domid);

	if (err)
		return err;
	if (!xs_domain_find(r->ctx, domid))
		return -ENOENT;
	return xs_req_ack(r);
}

int xs_op_set_target(struct xs_req *r)
{
	uint16_t domid, target;
	int err = parse_domid(r->argv[0], &domid);

	if (err || (err = parse_domid(r->argv[1], &target)))
		return err;
	if ((err = xs_domain_set_target(r->ctx, domid, target)))
		return err;
	return xs_req_ack(r);
}

static const char control_help[] = "check\nlog\nprint\nquota\nhelp\n";

/* CONTROL quota: the current limits, one "name value" per line. */
static int control_quota(struct xs_req *r)
{
	const struct xs_quota *q = &r->ctx->quota;
	char buf[512];
	int n = snprintf(buf, sizeof(buf),
			 "nodes %u\nvalue_size %u\nwatches %u\ntransactions %u\nperms %u\n"
			 "tx_entries %u\noutstanding %u\nout_queue %zu\nevent_queue %zu\nmemory %zu\n",
			 q->nodes, q->value_size, q->watches, q->transactions, q->perms, q->tx_entries,
			 q->outstanding, q->out_queue, q->event_queue, q->memory);

	return xs_conn_reply(r->conn, r->hdr, XS_CONTROL, buf, (uint32_t)n + 1);
}

int xs_op_control(struct xs_req *r)
{
	const char *cmd = r->argv[0];

	if (!strcmp(cmd, "help"))
		return xs_conn_reply(r->conn, r->hdr, XS_CONTROL, control_help, sizeof(control_help));
	if (!strcmp(cmd, "quota"))
		return control_quota(r);
	if (!strcmp(cmd, "check"))
		return xs_req_ack(r);
	if (!strcmp(cmd, "print") && r->argc == 2) {
		xs_log(r->ctx, "%s", r->argv[1]);
		return xs_req_ack(r);
	}
	if (!strcmp(cmd, "log") && r->argc == 2 &&
	    (!strcmp(r->argv[1], "on") || !strcmp(r->argv[1], "off"))) {
		r->ctx->verbose = !strcmp(r->argv[1], "on");
		return xs_req_ack(r);
	}
	return -EINVAL;
}
