/*
 * net.c - the stack's Ethernet layer and configuration: frames in,
 * dispatched by type to ARP or IPv4 when addressed to us (or broadcast);
 * frames out through the link's xmit; ip=/gw= from the command line.
 */
#include "net_internal.h"

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void net_init(struct net_stack *s, const uint8_t mac[6], net_xmit_fn xmit, void *dev)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->mac, mac, 6);
	s->xmit = xmit;
	s->dev = dev;
}

/* A decimal number of at most max at *p, advancing *p. */
static int parse_num(const char **p, unsigned int max, unsigned int *v)
{
	unsigned int x = 0, digits = 0;

	for (; **p >= '0' && **p <= '9' && digits < 4; (*p)++, digits++)
		x = x * 10 + (unsigned int)(**p - '0');
	if (!digits || x > max)
		return -XEN_EINVAL;
	*v = x;
	return 0;
}

int net_parse_ipv4(const char *p, uint32_t *ip, unsigned int *prefix)
{
	uint32_t a = 0;
	unsigned int v;

	for (int i = 0; i < 4; i++) {
		if (parse_num(&p, 255, &v) || (i < 3 && *p++ != '.'))
			return -XEN_EINVAL;
		a = a << 8 | v;
	}
	if (*p == '/') {
		p++;
		if (!prefix || parse_num(&p, 32, &v))
			return -XEN_EINVAL;
		*prefix = v;
	}
	if (*p && *p != ' ')
		return -XEN_EINVAL;
	*ip = a;
	return 0;
}

void net_format_ipv4(uint32_t ip, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

/* The value of the command-line word key=..., or NULL. */
static const char *cmdline_value(const char *key)
{
	const char *c = start_info_cmdline();
	size_t n = strlen(key);

	for (const char *w = c; *w; w++)
		if ((w == c || w[-1] == ' ') && !strncmp(w, key, n) && w[n] == '=')
			return w + n + 1;
	return NULL;
}

int net_config_cmdline(struct net_stack *s)
{
	return net_config_cmdline_key(s, "ip");
}

int net_config_cmdline_key(struct net_stack *s, const char *key)
{
	const char *ip = cmdline_value(key), *gw = cmdline_value("gw");
	unsigned int prefix = 24;

	if (!ip || net_parse_ipv4(ip, &s->ip, &prefix) || !prefix)
		return -XEN_EINVAL;
	s->netmask = prefix == 32 ? ~0u : ~(~0u >> prefix);
	s->gw = 0;
	if (gw && net_parse_ipv4(gw, &s->gw, NULL))
		return -XEN_EINVAL;
	return 0;
}

int net_eth_send(struct net_stack *s, const uint8_t *dst, uint16_t type, unsigned int len)
{
	int r;

	memcpy(s->out, dst, 6);
	memcpy(s->out + 6, s->mac, 6);
	put16(s->out + 12, type);
	r = s->xmit(s->dev, s->out, ETH_HLEN + len);
	if (r)
		s->st.tx_errors++;
	return r;
}

void net_input(struct net_stack *s, const uint8_t *f, unsigned int len)
{
	s->st.rx_frames++;
	if (len < ETH_HLEN) {
		s->st.rx_bad++;
		return;
	}
	if (memcmp(f, s->mac, 6) && memcmp(f, bcast, 6)) {
		s->st.rx_not_ours++;
		return;
	}
	switch (get16(f + 12)) {
	case ETH_P_ARP:
		net_arp_input(s, f, len);
		break;
	case ETH_P_IP:
		net_ip_input(s, f, len);
		break;
	default:
		s->st.rx_not_ours++; /* IPv6, VLANs...: not spoken here */
		break;
	}
}
