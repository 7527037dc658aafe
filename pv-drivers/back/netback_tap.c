/*
 * netback_tap.c - the host side of a vif: a TAP device named
 * vif<domid>.<devid>, as Xen's vif-bridge script names the backend
 * device, configured through rtnetlink with libnl-route (never by running
 * ip): MTU, address fe:ff:ff:ff:ff:ff (Xen's, so a bridge never takes a
 * vif's address as its own), a port of the named bridge (created if
 * asked), up.  The TAP is not persistent: it vanishes with the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "netback.h"

static const uint8_t vif_mac[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };

/* TUNSETIFF is the only way to make a TAP (rtnetlink cannot create one). */
static int tap_create(struct nb *b)
{
	struct ifreq ifr;

	b->tap_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (b->tap_fd < 0) {
		bk_log("/dev/net/tun: %s", strerror(errno));
		return -errno;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", b->ifname);
	if (ioctl(b->tap_fd, TUNSETIFF, &ifr) < 0) {
		bk_log("cannot create TAP %s: %s", b->ifname, strerror(errno));
		return -errno;
	}
	return 0;
}

/* The bridge's index, creating it (and bringing it up) if asked. */
static int bridge_index(struct nb *b, struct nl_sock *sk, int *ifindex)
{
	struct rtnl_link *br = NULL, *up;
	int r = rtnl_link_get_kernel(sk, 0, b->bridge, &br);

	if (r == -NLE_NODEV && b->create_bridge) {
		struct rtnl_link *nl = rtnl_link_bridge_alloc();

		if (!nl)
			return -ENOMEM;
		rtnl_link_set_name(nl, b->bridge);
		r = rtnl_link_add(sk, nl, NLM_F_CREATE);
		rtnl_link_put(nl);
		if (r == 0 || r == -NLE_EXIST)
			r = rtnl_link_get_kernel(sk, 0, b->bridge, &br);
		if (r == 0)
			bk_log("bridge %s created", b->bridge);
	}
	if (r < 0) {
		bk_log("bridge %s: %s", b->bridge, nl_geterror(r));
		return -ENODEV;
	}
	if (!rtnl_link_is_bridge(br)) {
		bk_log("%s is not a bridge", b->bridge);
		rtnl_link_put(br);
		return -ENOTDIR;
	}
	*ifindex = rtnl_link_get_ifindex(br);
	if (!(rtnl_link_get_flags(br) & IFF_UP) && (up = rtnl_link_alloc())) {
		rtnl_link_set_flags(up, IFF_UP);
		r = rtnl_link_change(sk, br, up, 0);
		rtnl_link_put(up);
		if (r < 0)
			bk_log("cannot bring bridge %s up: %s", b->bridge, nl_geterror(r));
	}
	rtnl_link_put(br);
	return 0;
}

/* MTU, address, master and up in one RTM_NEWLINK change. */
static int tap_configure(struct nb *b, struct nl_sock *sk, int master)
{
	struct rtnl_link *tap = NULL, *change = rtnl_link_alloc();
	struct nl_addr *addr = nl_addr_build(AF_LLC, vif_mac, sizeof(vif_mac));
	int r = -NLE_NOMEM;

	if (change && addr && (r = rtnl_link_get_kernel(sk, 0, b->ifname, &tap)) == 0) {
		rtnl_link_set_mtu(change, b->mtu);
		rtnl_link_set_addr(change, addr);
		if (master)
			rtnl_link_set_master(change, master);
		rtnl_link_set_flags(change, IFF_UP);
		r = rtnl_link_change(sk, tap, change, 0);
	}
	if (r < 0)
		bk_log("cannot configure %s: %s", b->ifname, nl_geterror(r));
	rtnl_link_put(tap);
	rtnl_link_put(change);
	nl_addr_put(addr);
	return r < 0 ? -EIO : 0;
}

int nb_tap_open(struct nb *b)
{
	struct nl_sock *sk;
	int r, master = 0;

	if (snprintf(b->ifname, sizeof(b->ifname), "vif%u.%u", b->x.domid, b->x.devid) >=
	    (int)sizeof(b->ifname)) {
		bk_log("vif%u.%u: name too long for a network device", b->x.domid, b->x.devid);
		return -ENAMETOOLONG;
	}
	if ((r = tap_create(b)))
		return r;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		bk_log("netlink: %s", nl_geterror(r));
		nl_socket_free(sk);
		return -EIO;
	}
	r = b->bridge ? bridge_index(b, sk, &master) : 0;
	if (r == 0)
		r = tap_configure(b, sk, master);
	nl_socket_free(sk);
	if (r == 0)
		bk_log("%s up, mtu %u%s%s", b->ifname, b->mtu, b->bridge ? ", bridge " : "",
		       b->bridge ? b->bridge : "");
	return r;
}
