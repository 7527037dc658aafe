/*
 * restore.c - `restore`: the save file is read twice.  The first pass
 * (ks_verify) checks all of it, so a truncated, corrupted or future-version
 * file is refused before anything exists; the second builds the domain
 * (restore_build.c) through kd_domain_create_with, which gives it its
 * console, xenstore entries and devices as `create` does and undoes all of
 * it if any step fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "ketchd.h"
#include "restore.h"
#include "validate.h"

static int invalid(struct kd_error *err, const char *path, const char *why)
{
	return kd_error_set(err, "invalid_save", "file", "%s: %s", path, why);
}

/* The saved config, renamed (with a new uuid) if name is set. */
static int saved_config(const struct ks_domain *dom, const char *name,
			struct kd_config *cfg, struct kd_error *err)
{
	struct json_object *o = json_tokener_parse(dom->config);
	struct kd_config tmp = { 0 };
	int r;

	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return kd_error_set(err, "invalid_save", "file", "the saved config is not JSON");
	}
	r = kd_config_from_json(o, cfg, err);
	json_object_put(o);
	if (r)
		return r;
	if (cfg->memory_mib << 20 != dom->mem_bytes || cfg->vcpus != dom->vcpus) {
		kd_config_free(cfg);
		return kd_error_set(err, "invalid_save", "file", "the saved config and the "
				    "domain record disagree on memory or vCPUs");
	}
	if (!name)
		return 0;
	o = json_object_new_string(name);
	r = kd_field_find("name")->set(kd_field_find("name"), o, &tmp, err);
	json_object_put(o);
	if (r) {
		kd_config_free(cfg);
		return r;
	}
	memcpy(cfg->name, tmp.name, sizeof(tmp.name));
	kd_config_free(&tmp);
	uuid_generate(cfg->uuid); /* a second domain, not the saved one */
	return 0;
}

/* Check the whole file, then read up to its DOMAIN record. */
static int open_source(struct kd_restore_src *src, const char *path, struct kd_error *err)
{
	char msg[KS_ERRLEN] = "";
	struct ks_record rec;
	int r;

	src->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (src->fd < 0)
		return kd_error_set(err, "invalid_save", "file", "cannot open %s: %s", path,
				    strerror(errno));
	r = ks_verify(ks_read_fd, &src->fd, msg);
	if (r)
		return invalid(err, path, msg);
	if (lseek(src->fd, 0, SEEK_SET) < 0 ||
	    ks_reader_init(&src->rd, ks_read_fd, &src->fd, msg) ||
	    ks_reader_next(&src->rd, &rec, msg) != 1 || rec.type != KS_REC_DOMAIN)
		return invalid(err, path, msg[0] ? msg : "cannot read it again");
	src->dom = rec.u.domain;
	src->config = strdup(rec.u.domain.config);
	src->dom.config = src->config;
	src->path = path;
	return src->config ? 0 : kd_error_set(err, "internal", "", "out of memory");
}

int kd_restore(struct kd *kd, const char *path, const char *name, bool paused,
	       struct kd_domain **out, struct kd_save_stats *st, struct kd_error *err)
{
	struct kd_restore_src src = { .fd = -1, .st = st };
	struct kd_config cfg;
	int64_t t0 = kd_now_ms();
	int r;

	memset(st, 0, sizeof(*st));
	r = open_source(&src, path, err);
	if (!r)
		r = saved_config(&src.dom, name, &cfg, err);
	if (!r)
		r = kd_domain_create_with(kd, &cfg, paused, kd_restore_build, &src, out, err);
	if (!r) {
		st->ms = kd_now_ms() - t0;
		st->bytes = src.rd.offset;
		kd_log("d%u (%s): restored from %s: %llu pages in %lld ms", (*out)->domid,
		       (*out)->cfg.name, path, (unsigned long long)st->pages, (long long)st->ms);
	}
	ks_reader_free(&src.rd);
	free(src.config);
	if (src.fd >= 0)
		close(src.fd);
	return r;
}
