/*
 * config_nic.c - a domain's network interfaces in its config: the JSON vif
 * object and its checks (unicast MAC, a bridge name Linux accepts, xl's
 * rate syntax read by libxlutil's own parser, IPv4 addresses, MTU), and
 * the defaults libxl would choose: devids from 0 and a MAC in Xen's OUI,
 * here derived from the domain's uuid so that it stays the same across
 * restarts (docs/network.md).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxlutil.h>

#include "config.h"

/* "vifs: vif N: ..." */
static int bad(struct kd_error *err, unsigned int i, const char *why, const char *arg)
{
	return kd_error_set(err, "invalid_config", "vifs", "vif %u: %s%s%.100s%s", i, why,
			    arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "");
}

/* A string value without NUL bytes and at most max bytes; NULL otherwise. */
static const char *string_of(struct json_object *v, size_t max)
{
	const char *s = json_object_get_string(v);

	if (!json_object_is_type(v, json_type_string) ||
	    strlen(s) != (size_t)json_object_get_string_len(v) || strlen(s) > max)
		return NULL;
	return s;
}

int kd_mac_parse(const char *s, uint8_t mac[6])
{
	static const char hex[] = "0123456789abcdef";

	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		const char *hi = s[3 * i] ? strchr(hex, s[3 * i] | 0x20) : NULL;
		const char *lo = s[3 * i + 1] ? strchr(hex, s[3 * i + 1] | 0x20) : NULL;

		if (!hi || !lo || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)((hi - hex) << 4 | (lo - hex));
	}
	return 0;
}

void kd_mac_format(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
}

static int set_mac(struct json_object *v, unsigned int i, struct kd_nic *n,
		   struct kd_error *err)
{
	const char *s = string_of(v, 64);
	static const uint8_t zero[6];

	if (!s || kd_mac_parse(s, n->mac))
		return bad(err, i, "mac must be six hex pairs such as \"00:16:3e:01:02:03\", not",
			   s ? s : json_object_get_string(v));
	if (n->mac[0] & 1)
		return bad(err, i, "mac is a multicast address (the first byte's low bit is "
				   "set); a vif needs a unicast one:", s);
	if (!memcmp(n->mac, zero, 6))
		return bad(err, i, "mac must not be all zeros", NULL);
	n->mac_set = true;
	return 0;
}

/* Linux's dev_valid_name, narrowed to the characters shells and scripts are safe with. */
static int set_bridge(struct json_object *v, unsigned int i, struct kd_nic *n,
		      struct kd_error *err)
{
	const char *s = string_of(v, 64);
	size_t len = s ? strlen(s) : 0;

	if (!s)
		return bad(err, i, "bridge must be a string (a bridge's name)", NULL);
	if (len == 0 || len > KD_BRIDGE_MAX)
		return bad(err, i, "bridge must be 1 to 15 characters (a network device name), "
				   "not", s);
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != len)
		return bad(err, i, "bridge may hold only letters, digits, '_', '.' and '-':", s);
	if (!strcmp(s, ".") || !strcmp(s, "..") || s[0] == '-')
		return bad(err, i, "bridge must not be \".\" or \"..\" or start with '-':", s);
	memcpy(n->bridge, s, len + 1);
	return 0;
}

/* The first line libxlutil reported, without its "label: config parsing
 * error in vif: " prefix. */
static const char *xlu_reason(char *msg, size_t len)
{
	static const char tag[] = "error in vif: ";
	char *p, *nl;

	if (!msg || !len)
		return "not valid";
	if ((nl = strchr(msg, '\n')))
		*nl = '\0';
	p = strstr(msg, tag);
	return p ? p + sizeof(tag) - 1 : msg;
}

/* xl's rate=, read by xlu_vif_parse_rate as xl reads it. */
static int set_rate(struct json_object *v, unsigned int i, struct kd_nic *n,
		    struct kd_error *err)
{
	const char *s = string_of(v, KD_VIF_RATE_MAX);
	char *msg = NULL;
	size_t len = 0;
	FILE *report;
	XLU_Config *c;
	libxl_device_nic nic;
	int r;

	if (!s)
		return bad(err, i, "rate must be a string of at most 64 bytes such as "
				   "\"10Mb/s@20ms\"", NULL);
	if (!(report = open_memstream(&msg, &len)) || !(c = xlu_cfg_init(report, "vif"))) {
		if (report)
			fclose(report);
		free(msg);
		return kd_error_set(err, "internal", "vifs", "out of memory");
	}
	libxl_device_nic_init(&nic);
	r = xlu_vif_parse_rate(c, s, &nic);
	fflush(report);
	if (r)
		r = kd_error_set(err, "invalid_config", "vifs", "vif %u: rate \"%.64s\": %.100s "
				 "(xl's syntax: N{B,b,KB,Kb,MB,Mb,GB,Gb}/s[@N{s,ms,us}])", i, s,
				 xlu_reason(msg, len));
	else if (nic.rate_bytes_per_interval == 0)
		r = bad(err, i, "rate allows less than one byte per interval:", s);
	if (!r) {
		n->rate_bytes = nic.rate_bytes_per_interval;
		n->rate_usecs = nic.rate_interval_usecs;
		free(n->rate);
		if (!(n->rate = strdup(s)))
			r = kd_error_set(err, "internal", "vifs", "out of memory");
	}
	libxl_device_nic_dispose(&nic);
	xlu_cfg_destroy(c);
	fclose(report);
	free(msg);
	return r;
}

/* ip: one to four IPv4 addresses, dotted quads, separated by one space. */
static int set_ip(struct json_object *v, unsigned int i, struct kd_nic *n,
		  struct kd_error *err)
{
	const char *s = string_of(v, KD_VIF_IP_MAX);
	char copy[KD_VIF_IP_MAX + 1], *save = NULL, *a;
	struct in_addr addr;
	int count = 0;

	if (!s || !*s)
		return bad(err, i, "ip must be a string of 1 to 63 bytes such as \"10.0.0.2\"",
			   NULL);
	if (s[0] == ' ' || s[strlen(s) - 1] == ' ' || strstr(s, "  "))
		return bad(err, i, "ip: addresses are separated by one space:", s);
	memcpy(copy, s, strlen(s) + 1);
	for (a = strtok_r(copy, " ", &save); a; a = strtok_r(NULL, " ", &save))
		if (++count > 4 || inet_pton(AF_INET, a, &addr) != 1)
			return bad(err, i, count > 4 ? "ip: at most 4 addresses:"
						     : "ip is not a list of IPv4 addresses:", s);
	free(n->ip);
	n->ip = strdup(s);
	return n->ip ? 0 : kd_error_set(err, "internal", "vifs", "out of memory");
}

static int set_number(struct json_object *v, const char *what, int64_t lo, int64_t hi,
		      unsigned int i, uint32_t *out, struct kd_error *err)
{
	int64_t x;

	errno = 0;
	x = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || errno || x < lo || x > hi)
		return kd_error_set(err, "invalid_config", "vifs", "vif %u: %s must be an "
				    "integer from %lld to %lld", i, what, (long long)lo,
				    (long long)hi);
	*out = (uint32_t)x;
	return 0;
}

static int nic_field(const char *key, struct json_object *v, unsigned int i,
		     struct kd_nic *n, struct kd_error *err)
{
	if (!strcmp(key, "mac"))
		return set_mac(v, i, n, err);
	if (!strcmp(key, "bridge"))
		return set_bridge(v, i, n, err);
	if (!strcmp(key, "rate"))
		return set_rate(v, i, n, err);
	if (!strcmp(key, "ip"))
		return set_ip(v, i, n, err);
	if (!strcmp(key, "mtu"))
		return set_number(v, "mtu", KD_MTU_MIN, KD_MTU_MAX, i, &n->mtu, err);
	if (!strcmp(key, "devid")) {
		n->devid_set = true;
		return set_number(v, "devid", 0, KD_VIF_DEVID_MAX, i, &n->devid, err);
	}
	return kd_error_set(err, "unknown_field", "vifs", "vif %u: unknown key \"%.64s\" "
			    "(known: mac, bridge, rate, ip, mtu, devid)", i, key);
}

int kd_nic_from_json(struct json_object *v, unsigned int index, struct kd_nic *n,
		     struct kd_error *err)
{
	int r = 0;

	memset(n, 0, sizeof(*n));
	n->mtu = 1500;
	if (!json_object_is_type(v, json_type_object))
		return bad(err, index, "must be an object {\"mac\", \"bridge\", \"rate\", \"ip\", "
				       "\"mtu\", \"devid\"}", NULL);
	json_object_object_foreach(v, key, val) {
		if ((r = nic_field(key, val, index, n, err)))
			break;
	}
	if (r)
		kd_nic_free(n);
	return r;
}

/* FNV-1a, 64 bits: small, stable, and spreads a uuid's bytes well enough. */
static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

void kd_nic_default_mac(const uint8_t uuid[16], uint32_t devid, uint32_t salt, uint8_t mac[6])
{
	uint8_t extra[8];
	uint64_t h;

	for (int i = 0; i < 4; i++) {
		extra[i] = (uint8_t)(devid >> (8 * i));
		extra[4 + i] = (uint8_t)(salt >> (8 * i));
	}
	h = fnv1a(fnv1a(0xcbf29ce484222325ULL, uuid, 16), extra, sizeof(extra));
	h ^= h >> 32;
	/* As libxl: Xen's OUI, and the fourth byte's top bit clear. */
	mac[0] = 0x00, mac[1] = 0x16, mac[2] = 0x3e;
	mac[3] = (uint8_t)(h & 0x7f), mac[4] = (uint8_t)(h >> 8), mac[5] = (uint8_t)(h >> 16);
}

static bool devid_used(const struct kd_nic *nics, unsigned int count, uint32_t devid)
{
	for (unsigned int i = 0; i < count; i++)
		if (nics[i].devid_set && nics[i].devid == devid)
			return true;
	return false;
}

static bool mac_used(const struct kd_nic *nics, unsigned int count, const uint8_t mac[6])
{
	for (unsigned int i = 0; i < count; i++)
		if (nics[i].mac_set && !memcmp(nics[i].mac, mac, 6))
			return true;
	return false;
}

/* Two vifs with one devid, or one mac: refused naming both. */
static int check_unique(const struct kd_nic *nics, unsigned int count, struct kd_error *err)
{
	char m[18];

	for (unsigned int i = 0; i < count; i++)
		for (unsigned int j = 0; j < i; j++) {
			if (nics[i].devid == nics[j].devid)
				return kd_error_set(err, "invalid_config", "vifs", "vif %u: devid %u "
						    "is vif %u's too", i, nics[i].devid, j);
			kd_mac_format(nics[i].mac, m);
			if (!memcmp(nics[i].mac, nics[j].mac, 6))
				return kd_error_set(err, "invalid_config", "vifs", "vif %u: mac %s "
						    "is vif %u's too", i, m, j);
		}
	return 0;
}

int kd_nic_defaults(struct kd_nic *nics, unsigned int count, const uint8_t uuid[16],
		    struct kd_error *err)
{
	for (unsigned int i = 0; i < count; i++)
		for (unsigned int j = 0; j < i; j++)
			if (nics[i].devid_set && nics[j].devid_set && nics[i].devid == nics[j].devid)
				return kd_error_set(err, "invalid_config", "vifs", "vif %u: devid %u "
						    "is vif %u's too", i, nics[i].devid, j);
	for (unsigned int i = 0; i < count; i++) {
		uint32_t id = 0;

		if (nics[i].devid_set)
			continue;
		while (devid_used(nics, count, id))
			id++;
		nics[i].devid = id;
		nics[i].devid_set = true;
	}
	/* A derived mac never takes one given, or derived before it: the
	 * next salt is tried (one chance in 8 million per pair). */
	for (unsigned int i = 0; i < count; i++) {
		for (uint32_t salt = 0; !nics[i].mac_set; salt++) {
			kd_nic_default_mac(uuid, nics[i].devid, salt, nics[i].mac);
			nics[i].mac_set = !mac_used(nics, count, nics[i].mac);
		}
	}
	return check_unique(nics, count, err);
}

struct json_object *kd_nic_to_json(const struct kd_nic *n)
{
	struct json_object *o = json_object_new_object();
	char m[18];

	kd_mac_format(n->mac, m);
	json_object_object_add(o, "devid", json_object_new_int64(n->devid));
	json_object_object_add(o, "mac", json_object_new_string(m));
	if (n->bridge[0])
		json_object_object_add(o, "bridge", json_object_new_string(n->bridge));
	if (n->rate)
		json_object_object_add(o, "rate", json_object_new_string(n->rate));
	if (n->ip)
		json_object_object_add(o, "ip", json_object_new_string(n->ip));
	json_object_object_add(o, "mtu", json_object_new_int64(n->mtu));
	return o;
}

void kd_nic_free(struct kd_nic *n)
{
	free(n->rate);
	free(n->ip);
	memset(n, 0, sizeof(*n));
}

int kd_nic_copy(struct kd_nic *dst, const struct kd_nic *src)
{
	*dst = *src;
	dst->rate = src->rate ? strdup(src->rate) : NULL;
	dst->ip = src->ip ? strdup(src->ip) : NULL;
	if ((src->rate && !dst->rate) || (src->ip && !dst->ip)) {
		kd_nic_free(dst);
		return -ENOMEM;
	}
	return 0;
}
