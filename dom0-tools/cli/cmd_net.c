/*
 * cmd_net.c - PV network interface hotplug, as xl names it:
 * network-attach (an xl vif spec), network-detach (by devid or mac; -f:
 * do not wait for the guest to let go) and network-list (xl's columns).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../ketchd/config.h"
#include "cli.h"

int cmd_network_attach(const struct cli *c, int argc, char **argv)
{
	struct json_object *vif, *req, *reply;
	struct kd_error err = { 0 };
	char spec[4096] = "";
	int rc;

	if (argc < 2)
		return fprintf(stderr, "usage: ketch network-attach DOMAIN [VIFSPEC]\n"), KX_USAGE;
	/* xl takes the spec's settings as several arguments too. */
	for (int i = 2; i < argc; i++)
		if (snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), "%s%s",
			     i > 2 ? "," : "", argv[i]) >= (int)(sizeof(spec) - strlen(spec)))
			return fprintf(stderr, "ketch: network-attach: vif spec too long\n"),
			       KX_BAD_CONFIG;
	if (!(vif = kd_nic_xl_to_json(spec, &err)))
		return fprintf(stderr, "ketch: network-attach: %s\n", err.message), KX_BAD_CONFIG;
	req = cli_req("network_attach", argv[1]);
	json_object_object_add(req, "vif", vif);
	rc = cli_request(c, "network-attach", req, &reply);
	if (rc)
		return rc;
	if (c->json)
		cli_print_json(reply);
	json_object_put(reply);
	return KX_OK;
}

int cmd_network_detach(const struct cli *c, int argc, char **argv)
{
	static const struct option lo[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
	struct json_object *req, *reply;
	bool force = false;
	long timeout = 0;
	char *end;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+ft:", lo, NULL)) != -1) {
		if (opt == 'f') {
			force = true;
		} else if (opt == 't') {
			timeout = strtol(optarg, &end, 10);
			if (*end || timeout < 1 || timeout > 3600)
				return fprintf(stderr, "ketch: network-detach: -t: 1..3600 "
						       "seconds\n"), KX_USAGE;
		} else {
			return KX_USAGE;
		}
	}
	if (optind != argc - 2)
		return fprintf(stderr, "usage: ketch network-detach [-f] [-t SEC] DOMAIN "
				       "DEVID|MAC\n"), KX_USAGE;
	req = cli_req("network_detach", argv[optind]);
	json_object_object_add(req, "vif", json_object_new_string(argv[optind + 1]));
	if (force)
		json_object_object_add(req, "force", json_object_new_boolean(1));
	if (timeout)
		json_object_object_add(req, "timeout", json_object_new_int64(timeout));
	rc = cli_request(c, "network-detach", req, &reply);
	if (rc)
		return rc;
	if (c->json)
		cli_print_json(reply);
	else if (!force && json_object_get_boolean(json_object_object_get(reply, "forced")))
		fprintf(stderr, "ketch: network-detach: the guest did not let go of vif %s in "
				"time; removed by force\n", argv[optind + 1]);
	json_object_put(reply);
	return KX_OK;
}

static long num(struct json_object *o, const char *k)
{
	return (long)json_object_get_int64(json_object_object_get(o, k));
}

static const char *str(struct json_object *o, const char *k)
{
	return json_object_get_string(json_object_object_get(o, k));
}

int cmd_network_list(const struct cli *c, int argc, char **argv)
{
	struct json_object *reply, *vifs;
	int rc;

	if (argc != 2)
		return fprintf(stderr, "usage: ketch network-list DOMAIN\n"), KX_USAGE;
	rc = cli_request(c, "network-list", cli_req("network_list", argv[1]), &reply);
	if (rc)
		return rc;
	if (c->json) {
		cli_print_json(reply);
		json_object_put(reply);
		return KX_OK;
	}
	vifs = json_object_object_get(reply, "vifs");
	/* xl's own format strings (xl_vmcontrol.c's main_networklist). */
	printf("%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s\n", "Idx", "BE", "Mac Addr.",
	       "handle", "state", "evt-ch", "tx-", "rx-ring-ref", "BE-path");
	for (size_t i = 0; i < json_object_array_length(vifs); i++) {
		struct json_object *v = json_object_array_get_idx(vifs, i);

		printf("%-3ld %-2ld %s%6ld %5ld %6ld %5ld/%-11ld %-30s\n", num(v, "devid"),
		       num(v, "backend_id"), str(v, "mac"), num(v, "devid"), num(v, "state"),
		       num(v, "evtchn"), num(v, "tx_ring_ref"), num(v, "rx_ring_ref"),
		       str(v, "backend"));
	}
	json_object_put(reply);
	return KX_OK;
}
