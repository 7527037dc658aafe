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

#define KD_NAME_MAX 63
#define KD_CMDLINE_MAX 1023
#define KD_MEM_MIN_MIB 4
#define KD_MEM_MAX_MIB 65536
#define KD_VCPUS_MAX 64
#define KD_DISKS_MAX 16
#define KD_VDEV_MAX 15

enum kd_action { KD_ACT_DESTROY, KD_ACT_RESTART, KD_ACT_PRESERVE };

/* One PV disk (docs/block.md).  Only raw images are served today. */
struct kd_disk {
	char *target;                 /* absolute path of the image or block device */
	char vdev[KD_VDEV_MAX + 1];   /* as given: xvda, hdb, sda1, d3p1, 51712 */
	uint32_t devid;               /* vdev as Xen numbers it: xvda = 51712 */
	bool readonly;                /* access=ro */
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
 * Can the image be served as raw?  It must exist, be a regular file or a
 * block device, and must not start with another format's header (qcow,
 * qcow2, QED, VMDK, VDI, VHD, VHDX): a raw view of those would hand the
 * guest the container, not the disk.  0, or -errno with err set.
 */
int kd_disk_check_image(const struct kd_disk *d, unsigned int index, struct kd_error *err);

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

#endif
