/* Unit tests: vifs in domain configs (dom0-tools/ketchd/config_nic.c,
 * config_nic_xl.c): every field's checks with their exact messages,
 * hostile values, the devid and mac defaults (Xen's OUI, stable per uuid
 * and devid, never a clash), xl's vif spec and xl.cfg's vif list. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ketchd_cfg_helpers.h"

#define K "\"name\":\"a\",\"kernel\":\"/k\""
#define VIFS(v) "{" K ",\"uuid\":\"5b1c4f7e-0d5a-4e3b-9a55-2f6b8a1c9d00\",\"vifs\":[" v "]}"

/* The config must be refused with this code and message (field "vifs"). */
static void refused(const char *text, const char *code, const char *msg)
{
	struct kd_config cfg;
	struct kd_error err;

	ck_assert_int_eq(parse(text, &cfg, &err), -EINVAL);
	ck_assert_str_eq(err.code, code);
	ck_assert_str_eq(err.field, "vifs");
	ck_assert_str_eq(err.message, msg);
	ck_assert_uint_eq(cfg.nr_nics, 0); /* nothing kept from a refused config */
}

static const char *mac_of(const struct kd_nic *n)
{
	static char m[18];

	kd_mac_format(n->mac, m);
	return m;
}

START_TEST(vif_fields)
{
	struct kd_config cfg;
	struct kd_error err;

	ck_assert_int_eq(parse(VIFS("{\"mac\":\"00:16:3E:01:02:03\",\"bridge\":\"ketchbr0\","
				    "\"rate\":\"10Mb/s@20ms\",\"ip\":\"10.0.0.2\",\"mtu\":1500}"),
			       &cfg, &err), 0);
	ck_assert_uint_eq(cfg.nr_nics, 1);
	ck_assert_str_eq(mac_of(&cfg.nics[0]), "00:16:3e:01:02:03");
	ck_assert_str_eq(cfg.nics[0].bridge, "ketchbr0");
	ck_assert_str_eq(cfg.nics[0].rate, "10Mb/s@20ms");
	ck_assert_uint_eq(cfg.nics[0].rate_bytes, 25000); /* 1.25 MB/s for 20 ms */
	ck_assert_uint_eq(cfg.nics[0].rate_usecs, 20000);
	ck_assert_str_eq(cfg.nics[0].ip, "10.0.0.2");
	ck_assert_uint_eq(cfg.nics[0].mtu, 1500);
	ck_assert_uint_eq(cfg.nics[0].devid, 0);
	kd_config_free(&cfg);
	/* No key at all: a vif with every default. */
	ck_assert_int_eq(parse(VIFS("{},{\"devid\":0,\"mtu\":9000}"), &cfg, &err), -EINVAL);
	ck_assert_str_eq(err.message, "vifs: vif 1: mtu must be an integer from 68 to 4082");
	ck_assert_int_eq(parse(VIFS("{},{\"devid\":0},{}"), &cfg, &err), 0);
	ck_assert_uint_eq(cfg.nics[0].devid, 1); /* the lowest devid not given */
	ck_assert_uint_eq(cfg.nics[1].devid, 0);
	ck_assert_uint_eq(cfg.nics[2].devid, 2);
	ck_assert_uint_eq(cfg.nics[0].mtu, 1500);
	ck_assert_ptr_null(cfg.nics[0].rate);
	ck_assert_str_eq(cfg.nics[0].bridge, "");
	kd_config_free(&cfg);
}
END_TEST

START_TEST(vif_refused)
{
	refused(VIFS("{\"mac\":\"01:16:3e:01:02:03\"}"), "invalid_config",
		"vifs: vif 0: mac is a multicast address (the first byte's low bit is set); a "
		"vif needs a unicast one: \"01:16:3e:01:02:03\"");
	refused(VIFS("{\"mac\":\"ff:ff:ff:ff:ff:ff\"}"), "invalid_config",
		"vifs: vif 0: mac is a multicast address (the first byte's low bit is set); a "
		"vif needs a unicast one: \"ff:ff:ff:ff:ff:ff\"");
	refused(VIFS("{\"mac\":\"00:00:00:00:00:00\"}"), "invalid_config",
		"vifs: vif 0: mac must not be all zeros");
	refused(VIFS("{\"mac\":\"00:16:3e:1:2:3\"}"), "invalid_config",
		"vifs: vif 0: mac must be six hex pairs such as \"00:16:3e:01:02:03\", not "
		"\"00:16:3e:1:2:3\"");
	refused(VIFS("{\"mac\":\"00-16-3e-01-02-03\"}"), "invalid_config",
		"vifs: vif 0: mac must be six hex pairs such as \"00:16:3e:01:02:03\", not "
		"\"00-16-3e-01-02-03\"");
	refused(VIFS("{\"mac\":\"00:16:3e:01:02:0g\"}"), "invalid_config",
		"vifs: vif 0: mac must be six hex pairs such as \"00:16:3e:01:02:03\", not "
		"\"00:16:3e:01:02:0g\"");
	refused(VIFS("{\"mac\":\"00:16:3e:01:02:03 \"}"), "invalid_config",
		"vifs: vif 0: mac must be six hex pairs such as \"00:16:3e:01:02:03\", not "
		"\"00:16:3e:01:02:03 \"");
	refused(VIFS("{\"bridge\":\"a-very-long-bridge\"}"), "invalid_config",
		"vifs: vif 0: bridge must be 1 to 15 characters (a network device name), not "
		"\"a-very-long-bridge\"");
	refused(VIFS("{\"bridge\":\"\"}"), "invalid_config",
		"vifs: vif 0: bridge must be 1 to 15 characters (a network device name), not \"\"");
	refused(VIFS("{\"bridge\":\"br/0\"}"), "invalid_config",
		"vifs: vif 0: bridge may hold only letters, digits, '_', '.' and '-': \"br/0\"");
	refused(VIFS("{\"bridge\":\"br 0\"}"), "invalid_config",
		"vifs: vif 0: bridge may hold only letters, digits, '_', '.' and '-': \"br 0\"");
	refused(VIFS("{\"bridge\":\"..\"}"), "invalid_config",
		"vifs: vif 0: bridge must not be \".\" or \"..\" or start with '-': \"..\"");
	refused(VIFS("{\"bridge\":\"-br\"}"), "invalid_config",
		"vifs: vif 0: bridge must not be \".\" or \"..\" or start with '-': \"-br\"");
	refused(VIFS("{\"bridge\":3}"), "invalid_config",
		"vifs: vif 0: bridge must be a string (a bridge's name)");
	refused(VIFS("{\"ip\":\"10.0.0.256\"}"), "invalid_config",
		"vifs: vif 0: ip is not a list of IPv4 addresses: \"10.0.0.256\"");
	refused(VIFS("{\"ip\":\"10.0.0.2/24\"}"), "invalid_config",
		"vifs: vif 0: ip is not a list of IPv4 addresses: \"10.0.0.2/24\"");
	refused(VIFS("{\"ip\":\"10.0.0.2  10.0.0.3\"}"), "invalid_config",
		"vifs: vif 0: ip: addresses are separated by one space: \"10.0.0.2  10.0.0.3\"");
	refused(VIFS("{\"ip\":\"1.1.1.1 2.2.2.2 3.3.3.3 4.4.4.4 5.5.5.5\"}"), "invalid_config",
		"vifs: vif 0: ip: at most 4 addresses: \"1.1.1.1 2.2.2.2 3.3.3.3 4.4.4.4 5.5.5.5\"");
	refused(VIFS("{\"mtu\":67}"), "invalid_config",
		"vifs: vif 0: mtu must be an integer from 68 to 4082");
	refused(VIFS("{\"mtu\":\"1500\"}"), "invalid_config",
		"vifs: vif 0: mtu must be an integer from 68 to 4082");
	refused(VIFS("{\"devid\":-1}"), "invalid_config",
		"vifs: vif 0: devid must be an integer from 0 to 1023");
	refused(VIFS("{\"devid\":1},{\"devid\":1}"), "invalid_config",
		"vifs: vif 1: devid 1 is vif 0's too");
	refused(VIFS("{\"mac\":\"00:16:3e:00:00:01\"},{\"mac\":\"00:16:3E:00:00:01\"}"),
		"invalid_config", "vifs: vif 1: mac 00:16:3e:00:00:01 is vif 0's too");
	refused(VIFS("{\"model\":\"e1000\"}"), "unknown_field",
		"vifs: vif 0: unknown key \"model\" (known: mac, bridge, rate, ip, mtu, devid)");
	refused(VIFS("\"mac=00:16:3e:00:00:01\""), "invalid_config",
		"vifs: vif 0: must be an object {\"mac\", \"bridge\", \"rate\", \"ip\", \"mtu\", "
		"\"devid\"}");
	refused("{" K ",\"vifs\":{}}", "invalid_config", "vifs: must be an array of vif objects");
	refused(VIFS("{},{},{},{},{},{},{},{},{}"), "invalid_config", "vifs: 9 vifs; at most 8");
}
END_TEST

START_TEST(rate_syntax)
{
	struct kd_config cfg;
	struct kd_error err;
	static const struct { const char *rate; uint64_t bytes; uint32_t usecs; } good[] = {
		{ "10MB/s", 500000, 50000 },   /* xl's default interval: 50 ms */
		{ "10Mb/s@20ms", 25000, 20000 }, { "1GB/s@1s", 1000000000, 1000000 },
		{ "100Kb/s@100us", 1, 100 },   { "8B/s@2", 16, 2000000 }, /* no unit: seconds */
	};
	char text[256];

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		snprintf(text, sizeof(text), VIFS("{\"rate\":\"%s\"}"), good[i].rate);
		ck_assert_msg(parse(text, &cfg, &err) == 0, "%s: %s", good[i].rate, err.message);
		ck_assert_uint_eq(cfg.nics[0].rate_bytes, good[i].bytes);
		ck_assert_uint_eq(cfg.nics[0].rate_usecs, good[i].usecs);
		kd_config_free(&cfg);
	}
	refused(VIFS("{\"rate\":\"10kb/s\"}"), "invalid_config",
		"vifs: vif 0: rate \"10kb/s\": invalid rate in `10kb/s' (xl's syntax: "
		"N{B,b,KB,Kb,MB,Mb,GB,Gb}/s[@N{s,ms,us}])");
	refused(VIFS("{\"rate\":\"10Mb/s@20ss\"}"), "invalid_config",
		"vifs: vif 0: rate \"10Mb/s@20ss\": invalid replenishment interval in `20ss' "
		"(xl's syntax: N{B,b,KB,Kb,MB,Mb,GB,Gb}/s[@N{s,ms,us}])");
	refused(VIFS("{\"rate\":\"10Mb/s@0\"}"), "invalid_config",
		"vifs: vif 0: rate \"10Mb/s@0\": replenishment interval overflow in `0' (xl's "
		"syntax: N{B,b,KB,Kb,MB,Mb,GB,Gb}/s[@N{s,ms,us}])");
	refused(VIFS("{\"rate\":\"\"}"), "invalid_config",
		"vifs: vif 0: rate \"\": no rate specified in `' (xl's syntax: "
		"N{B,b,KB,Kb,MB,Mb,GB,Gb}/s[@N{s,ms,us}])");
	refused(VIFS("{\"rate\":\"18446744073709551615B/s\"}"), "invalid_config",
		"vifs: vif 0: rate \"18446744073709551615B/s\": rate overflow in "
		"`18446744073709551615B/s' (xl's syntax: N{B,b,KB,Kb,MB,Mb,GB,Gb}/s[@N{s,ms,us}])");
	refused(VIFS("{\"rate\":\"1b/s\"}"), "invalid_config",
		"vifs: vif 0: rate allows less than one byte per interval: \"1b/s\"");
	refused(VIFS("{\"rate\":10}"), "invalid_config", "vifs: vif 0: rate must be a string of "
		"at most 64 bytes such as \"10Mb/s@20ms\"");
	refused(VIFS("{\"rate\":\"10Mb/s\\u0000@1ms\"}"), "invalid_config", "vifs: vif 0: rate "
		"must be a string of at most 64 bytes such as \"10Mb/s@20ms\"");
}
END_TEST

START_TEST(default_macs)
{
	struct kd_config a, b;
	struct kd_error err;
	struct kd_nic nics[8] = { 0 };
	uint8_t uuid[16] = { 1, 2, 3 };
	struct json_object *o;

	ck_assert_int_eq(parse(VIFS("{},{}"), &a, &err), 0);
	ck_assert_int_eq(parse(VIFS("{},{}"), &b, &err), 0);
	for (int i = 0; i < 2; i++) {
		ck_assert(a.nics[i].mac_set);
		ck_assert_mem_eq(a.nics[i].mac, "\x00\x16\x3e", 3); /* Xen's OUI */
		ck_assert_uint_eq(a.nics[i].mac[3] & 0x80, 0);
		ck_assert_mem_eq(a.nics[i].mac, b.nics[i].mac, 6); /* same uuid, same macs */
	}
	ck_assert_mem_ne(a.nics[0].mac, a.nics[1].mac, 6);
	/* Kept across a round trip (the state file, a restart). */
	o = kd_config_to_json(&a);
	kd_config_free(&b);
	ck_assert_int_eq(kd_config_from_json(o, &b, &err), 0);
	ck_assert_mem_eq(a.nics[1].mac, b.nics[1].mac, 6);
	ck_assert_uint_eq(b.nics[1].devid, 1);
	json_object_put(o);
	kd_config_free(&b);
	ck_assert_int_eq(kd_config_copy(&b, &a), 0);
	ck_assert_mem_eq(a.nics[1].mac, b.nics[1].mac, 6);
	kd_config_free(&a);
	kd_config_free(&b);
	/* Another uuid, other macs; a given mac is never derived again. */
	kd_nic_default_mac(uuid, 0, 0, nics[1].mac);
	nics[1].mac_set = true;
	ck_assert_int_eq(kd_nic_defaults(nics, 2, uuid, &err), 0);
	ck_assert_mem_ne(nics[0].mac, nics[1].mac, 6);
	ck_assert_uint_eq(nics[0].devid, 0);
	ck_assert_uint_eq(nics[1].devid, 1);
}
END_TEST

/* The xl spec's JSON, as text (or the error message). */
static const char *xl_vif(const char *spec)
{
	static char out[512];
	struct kd_error err = { 0 };
	struct json_object *o = kd_nic_xl_to_json(spec, &err);

	snprintf(out, sizeof(out), "%s", o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
					   : err.message);
	json_object_put(o);
	return out;
}

START_TEST(xl_spec)
{
	ck_assert_str_eq(xl_vif("mac=00:16:3e:01:02:03, bridge=ketchbr0"),
			 "{\"mac\":\"00:16:3e:01:02:03\",\"bridge\":\"ketchbr0\"}");
	ck_assert_str_eq(xl_vif(" rate=10Mb/s@20ms ,ip=10.0.0.2 10.0.0.3,mtu=1400,devid=2,"
				"type=vif,script=/etc/xen/scripts/vif-bridge,backend=0"),
			 "{\"rate\":\"10Mb/s@20ms\",\"ip\":\"10.0.0.2 10.0.0.3\",\"mtu\":1400,"
			 "\"devid\":2}");
	ck_assert_str_eq(xl_vif(""), "{}");
	ck_assert_str_eq(xl_vif("mtu=15x"), "{\"mtu\":\"15x\"}"); /* refused by the JSON check */
	ck_assert_str_eq(xl_vif("mac=00:16:3e:01:02:03,,bridge=b"),
			 "vifs: \"mac=00:16:3e:01:02:03,,bridge=b\" is not a vif spec Ketch can "
			 "honour: an empty setting (two commas, or one at an end)");
	ck_assert_str_eq(xl_vif("bridge=b,"), "vifs: \"bridge=b,\" is not a vif spec Ketch can "
			 "honour: an empty setting (two commas, or one at an end)");
	ck_assert_str_eq(xl_vif("bridge"), "vifs: \"bridge\" is not a vif spec Ketch can honour: "
			 "\"bridge\" is not key=value");
	ck_assert_str_eq(xl_vif("bridge=a,bridge=b"), "vifs: \"bridge=a,bridge=b\" is not a vif "
			 "spec Ketch can honour: bridge= is given twice");
	ck_assert_str_eq(xl_vif("model=e1000"), "vifs: \"model=e1000\" is not a vif spec Ketch "
			 "can honour: model= is not supported");
	ck_assert_str_eq(xl_vif("type=ioemu"), "vifs: \"type=ioemu\" is not a vif spec Ketch can "
			 "honour: type=ioemu: only PV vifs (type=vif) are served");
	ck_assert_str_eq(xl_vif("script=vif-route"), "vifs: \"script=vif-route\" is not a vif "
			 "spec Ketch can honour: script=: ketch-netback does vif-bridge's work "
			 "itself; no other script is run");
	ck_assert_str_eq(xl_vif("backend=netdom"), "vifs: \"backend=netdom\" is not a vif spec "
			 "Ketch can honour: backend=: driver domains are not supported (the "
			 "backend is domain 0)");
	ck_assert_str_eq(xl_vif("colour=red"), "vifs: \"colour=red\" is not a vif spec Ketch can "
			 "honour: \"colour\" is not a vif setting (known: mac, bridge, ip, rate, "
			 "mtu, devid, type, script, backend)");
	ck_assert_str_eq(xl_vif("bridge=b\x01"), "vifs: \"bridge=b\x01\" is not a vif spec Ketch "
			 "can honour: a control character");
}
END_TEST

START_TEST(xl_spec_hostile)
{
	char big[2100];
	const char *m;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	m = xl_vif(big);
	ck_assert_msg(strstr(m, "longer than 1024 bytes") != NULL, "%s", m);
	memcpy(big, "bridge=", 7); /* 1024 bytes exactly: parsed, then refused by length */
	big[1024] = '\0';
	m = xl_vif(big);
	ck_assert_msg(m[0] == '{', "%s", m);
	ck_assert_str_eq(xl_vif("=x"), "vifs: \"=x\" is not a vif spec Ketch can honour: \"\" is "
			 "not a vif setting (known: mac, bridge, ip, rate, mtu, devid, type, "
			 "script, backend)");
	ck_assert_str_eq(xl_vif(",,,"), "vifs: \",,,\" is not a vif spec Ketch can honour: an "
			 "empty setting (two commas, or one at an end)");
	ck_assert_str_eq(xl_vif("devid=99999999999999999999"),
			 "{\"devid\":\"99999999999999999999\"}");
	ck_assert_str_eq(xl_vif("mac==00:16:3e:01:02:03"), "{\"mac\":\"=00:16:3e:01:02:03\"}");
}
END_TEST

START_TEST(xl_cfg_vifs)
{
	struct kd_config cfg;
	struct kd_error err;

	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\nvif = [ 'mac=00:16:3e:01:02:03, "
			    "bridge=ketchbr0', '' ]\n", &cfg, &err), 0);
	ck_assert_uint_eq(cfg.nr_nics, 2);
	ck_assert_str_eq(mac_of(&cfg.nics[0]), "00:16:3e:01:02:03");
	ck_assert_str_eq(cfg.nics[0].bridge, "ketchbr0");
	ck_assert_uint_eq(cfg.nics[1].devid, 1);
	kd_config_free(&cfg);
	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\nvif = 'bridge=b'\n", &cfg, &err), -1);
	ck_assert_str_eq(err.message, "vifs: vif must be a list: vif = [ 'mac=00:16:3e:01:02:03, "
				      "bridge=ketchbr0' ]");
	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\nvif = [ 'mac=01:00:5e:00:00:01' ]\n",
			    &cfg, &err), -EINVAL);
	ck_assert_str_eq(err.message, "vifs: vif 0: mac is a multicast address (the first byte's "
				      "low bit is set); a vif needs a unicast one: "
				      "\"01:00:5e:00:00:01\"");
	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\nvif = [ 'mtu=big' ]\n", &cfg, &err),
			 -EINVAL);
	ck_assert_str_eq(err.message, "vifs: vif 0: mtu must be an integer from 68 to 4082");
	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\nvif = [ 'vifname=foo' ]\n", &cfg,
			    &err), -1);
	ck_assert_str_eq(err.field, "vifs");
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("vif");

	tcase_add_test(tc, vif_fields);
	tcase_add_test(tc, vif_refused);
	tcase_add_test(tc, rate_syntax);
	tcase_add_test(tc, default_macs);
	tcase_add_test(tc, xl_spec);
	tcase_add_test(tc, xl_spec_hostile);
	tcase_add_test(tc, xl_cfg_vifs);
	return kd_t_run("ketchd_vif", tc);
}
