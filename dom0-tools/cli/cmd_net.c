/*
 * cmd_net.c - PV network interface hotplug, as xl names it:
 * network-attach (an xl vif spec), network-detach (by devid or mac; -f:
 * do not wait for the guest to let go) and network-list (xl's columns).
 */
#include <string.h>

#include "../ketchd/config.h"
#include "cli.h"

int cmd_network_attach(const struct cli *c, int argc, char **argv)
{
	struct json_object *vif, *req;
	struct kd_error err = { 0 };
	char spec[4096];
	int rc;

	if (argc < 2)
		return fprintf(stderr, "usage: ketch network-attach DOMAIN [VIFSPEC]\n"), KX_USAGE;
	if ((rc = cli_join_spec(spec, sizeof(spec), argc, argv, "network-attach", "vif")))
		return rc;
	if (!(vif = kd_nic_xl_to_json(spec, &err)))
		return fprintf(stderr, "ketch: network-attach: %s\n", err.message), KX_BAD_CONFIG;
	req = cli_req("network_attach", argv[1]);
	json_object_object_add(req, "vif", vif);
	return cli_request_print(c, "network-attach", req);
}

int cmd_network_detach(const struct cli *c, int argc, char **argv)
{
	static const struct cli_detach how = { "network-detach", "network_detach", "vif",
					       "DEVID|MAC", "vif " };

	return cli_detach(c, argc, argv, &how);
}

/* xl's own format strings (xl_vmcontrol.c's main_networklist). */
static void table(struct json_object *vifs)
{
	printf("%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s\n", "Idx", "BE", "Mac Addr.",
	       "handle", "state", "evt-ch", "tx-", "rx-ring-ref", "BE-path");
	for (size_t i = 0; i < json_object_array_length(vifs); i++) {
		struct json_object *v = json_object_array_get_idx(vifs, i);

		printf("%-3ld %-2ld %s%6ld %5ld %6ld %5ld/%-11ld %-30s\n", cli_num(v, "devid"),
		       cli_num(v, "backend_id"), cli_str(v, "mac"), cli_num(v, "devid"),
		       cli_num(v, "state"), cli_num(v, "evtchn"), cli_num(v, "tx_ring_ref"),
		       cli_num(v, "rx_ring_ref"), cli_str(v, "backend"));
	}
}

int cmd_network_list(const struct cli *c, int argc, char **argv)
{
	return cli_device_list(c, argc, argv, "network-list", "network_list", "vifs", table);
}
