/*
 * config.h - a domain's configuration as ketchd holds it, and the three
 * ways in: a JSON object (the API and config files), xl.cfg text (through
 * Debian's libxlutil), and back out to JSON.  Field rules: docs/config-reference.md.
 */
#ifndef KETCHD_CONFIG_H
#define KETCHD_CONFIG_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image_probe.h"

#define KD_NAME_MAX 63
#define KD_CMDLINE_MAX 1023
#define KD_MEM_MIN_MIB 4
#define KD_MEM_MAX_MIB 65536
#define KD_VCPUS_MAX 64
#define KD_DISKS_MAX 16
#define KD_VDEV_MAX 15
#define KD_VIFS_MAX 8
#define KD_VIF_DEVID_MAX 1023 /* vif<domid>.<devid> must fit a 15-byte device name */
#define KD_BRIDGE_MAX 15      /* IFNAMSIZ - 1 */
#define KD_MTU_MIN 68
#define KD_MTU_MAX 4082       /* ketch-netback: a frame fits one page */
#define KD_VIF_RATE_MAX 64
#define KD_VIF_IP_MAX 63

enum kd_action { KD_ACT_DESTROY, KD_ACT_RESTART, KD_ACT_PRESERVE };

/* One PV disk (docs/block.md).  Only raw images are served today. */
struct kd_disk {
	char *target;                 /* absolute path of the image or block device */
	char vdev[KD_VDEV_MAX + 1];   /* as given: xvda, hdb, sda1, d3p1, 51712 */
	uint32_t devid;               /* vdev as Xen numbers it: xvda = 51712 */
	bool readonly;                /* access=ro */
	enum kd_fmt format;           /* as given; KD_FMT_AUTO: detected from the header */
	bool direct_io_safe;          /* direct-io-safe: the image opened O_DIRECT */
};

/* One PV network interface (docs/network.md). */
struct kd_nic {
	uint32_t devid;
	bool devid_set;               /* given, or numbered by kd_config_check */
	uint8_t mac[6];
	bool mac_set;                 /* given, or derived by kd_config_check */
	char bridge[KD_BRIDGE_MAX + 1]; /* "" for none */
	char *rate;                   /* xl's rate= as given; NULL for none */
	uint64_t rate_bytes;          /* what rate means: bytes per interval ... */
	uint32_t rate_usecs;          /* ... of this many microseconds */
	char *ip;                     /* space-separated IPv4 addresses; NULL for none */
	uint32_t mtu;                 /* 1500 unless given */
};

struct kd_config {
	char name[KD_NAME_MAX + 1];
	uint8_t uuid[16];
	uint64_t memory_mib, maxmem_mib;
	uint32_t vcpus;
	char *kernel, *ramdisk, *cmdline, *console_log; /* NULL when absent */
	enum kd_action on_poweroff, on_reboot, on_crash;
	unsigned int nr_disks;
	struct kd_disk disks[KD_DISKS_MAX];
	unsigned int nr_nics;
	struct kd_nic nics[KD_VIFS_MAX];
};

/* An API error: a stable code, the field at fault ("" if none), a sentence. */
struct kd_error {
	char code[32];
	char field[32];
	char message[320];
};

/* Fill err (any of field may be NULL or ""); returns -EINVAL for chaining. */
int kd_error_set(struct kd_error *err, const char *code, const char *field,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Parse and validate a config object.  Every key must be a known field;
 * the first problem found is reported in err (code "invalid_config" or
 * "unknown_field", field named, message "<field>: <reason>") and -EINVAL
 * returned with cfg left empty.  A missing uuid is generated.  On success
 * cfg owns heap strings: release with kd_config_free.
 */
int kd_config_from_json(struct json_object *obj, struct kd_config *cfg,
			struct kd_error *err);

/* Release the strings of cfg and zero it.  Safe on a zeroed config. */
void kd_config_free(struct kd_config *cfg);

/* Deep copy src into dst (dst is overwritten).  0 or -ENOMEM. */
int kd_config_copy(struct kd_config *dst, const struct kd_config *src);

/* The config as a JSON object (every field, defaults filled in). */
struct json_object *kd_config_to_json(const struct kd_config *cfg);

/* "destroy", "restart" or "preserve". */
const char *kd_action_name(enum kd_action a);

/*
 * Read xl.cfg text (len bytes; label names it in messages) with libxlutil
 * and return the same fields as a JSON object for kd_config_from_json,
 * or NULL with err set (code "invalid_config").  Keys ketch does not know
 * are ignored, as xl ignores them.
 */
struct json_object *kd_config_xl_to_json(const char *text, size_t len,
					 const char *label, struct kd_error *err);

/* ---- config_disk.c: disks ---- */

/*
 * The devid Xen gives a virtual device name (libxl's rules): xvd<letters>
 * [<partition>] and d<N>p<M> as (202 << 8) | (disk << 4) | part for disks
 * and partitions up to 15, else (1 << 28) | (disk << 8) | part; hd[a-d]
 * on majors 3 and 22; sd[a-p] on major 8; a plain number as itself.
 * 0, or -EINVAL for a name Xen would refuse.
 */
int kd_vdev_to_devid(const char *vdev, uint32_t *devid);

/*
 * One disk object {"target", "vdev", "format", "access"} into d; index
 * names it in messages (field "disks").  Checks the syntax only; see
 * kd_disk_check_image for the image itself.  On failure d is left empty.
 */
int kd_disk_from_json(struct json_object *v, unsigned int index, struct kd_disk *d,
		      struct kd_error *err);

/*
 * config_image.c: can the image be served as d says?  It must exist, be a
 * regular file or a block device, and its header must show the format
 * given (KD_FMT_AUTO: any served one; no header: raw), so a qcow2 file is
 * never served raw; a qcow2 backing chain must hold only files whose
 * format is recorded and matches their header.  0 with *fmt (may be
 * NULL) set to the format to serve, or -errno with err set.
 */
int kd_disk_check_image(const struct kd_disk *d, unsigned int index, enum kd_fmt *fmt,
			struct kd_error *err);

/* A qcow2 image's backing files, nearest first (malloc'd paths). */
struct kd_chain {
	unsigned int n;
	char *path[KD_CHAIN_MAX];
};
/* As kd_disk_check_image, also listing the backing files in *chain
 * (free it with kd_chain_free, whatever the result). */
int kd_disk_check_chain(const struct kd_disk *d, unsigned int index, enum kd_fmt *fmt,
			struct kd_chain *chain, struct kd_error *err);
void kd_chain_free(struct kd_chain *chain);

/*
 * overlay_name.c: the qcow2 overlay a snapshot or a clone gives a disk,
 * beside its image, named after the image's stem and tag:
 * ("/srv/web.qcow2", "mon") -> "/srv/web.mon.qcow2".  The tag's
 * characters other than [A-Za-z0-9._+-] become '_'.  image must be
 * absolute; tag 1..KD_NAME_MAX bytes.  0, -EINVAL or -ENAMETOOLONG.
 */
int kd_overlay_name(const char *image, const char *tag, char *out, size_t n);
/* A snapshot file's tag: its name without directory and last extension. */
void kd_overlay_tag(const char *file, char *out, size_t n);

/* The disk object as configs hold it (every field). */
struct json_object *kd_disk_to_json(const struct kd_disk *d);
void kd_disk_free(struct kd_disk *d);
int kd_disk_copy(struct kd_disk *dst, const struct kd_disk *src);

/*
 * One xl disk spec ("format=raw, vdev=xvda, access=rw, target=/path"),
 * read with libxlutil's xlu_disk_parse, as the JSON disk object, or NULL
 * with err set (field "disks").  Settings Ketch cannot honour (a script,
 * a CD-ROM) are refused by name.
 */
struct json_object *kd_disk_xl_to_json(const char *spec, struct kd_error *err);

/* ---- config_nic.c: network interfaces ---- */

/*
 * One vif object {"mac", "bridge", "rate", "ip", "mtu", "devid"} into n;
 * index names it in messages (field "vifs").  Every key is optional: a
 * missing devid or mac is filled in by kd_nic_defaults.  On failure n is
 * left empty.
 */
int kd_nic_from_json(struct json_object *v, unsigned int index, struct kd_nic *n,
		     struct kd_error *err);

/*
 * Give the vifs of nics[0..count) without a devid the lowest free ones,
 * and those without a mac one in Xen's OUI 00:16:3e derived from uuid and
 * devid (stable across restarts, unique within the domain).  Then refuse
 * two vifs with one devid or one mac (field "vifs").  0 or -EINVAL.
 */
int kd_nic_defaults(struct kd_nic *nics, unsigned int count, const uint8_t uuid[16],
		    struct kd_error *err);

/* The mac Xen's OUI gives devid of the domain uuid (salt 0 unless it collided). */
void kd_nic_default_mac(const uint8_t uuid[16], uint32_t devid, uint32_t salt, uint8_t mac[6]);

/* "00:16:3e:01:02:03" into out (18 bytes). */
void kd_mac_format(const uint8_t mac[6], char out[18]);

/* Parse "xx:xx:xx:xx:xx:xx" (hex, either case); 0 or -EINVAL. */
int kd_mac_parse(const char *s, uint8_t mac[6]);

/* The vif object as configs hold it (devid and mac always). */
struct json_object *kd_nic_to_json(const struct kd_nic *n);
void kd_nic_free(struct kd_nic *n);
int kd_nic_copy(struct kd_nic *dst, const struct kd_nic *src);

/*
 * One xl vif spec ("mac=00:16:3e:01:02:03, bridge=ketchbr0, rate=10Mb/s")
 * as the JSON vif object, or NULL with err set (field "vifs").  xl's
 * grammar: comma-separated key=value settings; settings Ketch cannot
 * honour (another script, a driver domain, an emulated model) are refused
 * by name, and so is any key xl does not know.
 */
struct json_object *kd_nic_xl_to_json(const char *spec, struct kd_error *err);

#endif
