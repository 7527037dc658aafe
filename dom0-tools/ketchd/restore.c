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
#include <stdio.h>
#include <sys/stat.h>
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

int kd_restore_config(const struct ks_domain *dom, const char *name, struct kd_config *cfg,
		      struct kd_error *err)
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

int kd_restore_rewind(struct kd_restore_src *src, struct kd_error *err)
{
	char msg[KS_ERRLEN] = "";
	struct ks_record rec;

	ks_reader_free(&src->rd);
	if (lseek(src->fd, 0, SEEK_SET) < 0 ||
	    ks_reader_init(&src->rd, ks_read_fd, &src->fd, msg) ||
	    ks_reader_next(&src->rd, &rec, msg) != 1 || rec.type != KS_REC_DOMAIN)
		return invalid(err, src->path, msg[0] ? msg : "cannot read it again");
	if (src->config)
		return 0; /* the record was checked unchanged by ks_reader_next's rules */
	src->dom = rec.u.domain;
	src->config = strdup(rec.u.domain.config);
	src->dom.config = src->config;
	return src->config ? 0 : kd_error_set(err, "internal", "", "out of memory");
}

int kd_restore_open(struct kd_restore_src *src, const char *path, struct kd_save_stats *st,
		    struct kd_error *err)
{
	char msg[KS_ERRLEN] = "";
	struct stat sb;
	int r;

	*src = (struct kd_restore_src){ .fd = -1, .path = path, .st = st };
	src->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (src->fd < 0)
		return kd_error_set(err, "invalid_save", "file", "cannot open %s: %s", path,
				    strerror(errno));
	r = ks_verify(ks_read_fd, &src->fd, msg);
	if (r)
		return invalid(err, path, msg);
	src->file_bytes = fstat(src->fd, &sb) == 0 ? (uint64_t)sb.st_size : 0;
	return kd_restore_rewind(src, err);
}

void kd_restore_close(struct kd_restore_src *src)
{
	ks_reader_free(&src->rd);
	free(src->config);
	src->config = NULL;
	free(src->vcpus);
	src->vcpus = NULL;
	if (src->fd >= 0)
		close(src->fd);
	src->fd = -1;
}

int kd_restore(struct kd *kd, const char *path, const char *name, bool paused,
	       struct kd_domain **out, struct kd_save_stats *st, struct kd_error *err)
{
	return kd_restore_image(kd, path, NULL, name, paused, out, st, err);
}

int kd_restore_image(struct kd *kd, const char *path, struct kctl *image, const char *name,
		     bool paused, struct kd_domain **out, struct kd_save_stats *st,
		     struct kd_error *err)
{
	struct kd_restore_src src;
	struct kd_config cfg;
	int64_t t0 = kd_now_ms();
	int r;

	memset(st, 0, sizeof(*st));
	r = kd_restore_open(&src, path, st, err);
	src.image = image;
	if (!r)
		r = kd_restore_config(&src.dom, name, &cfg, err);
	if (!r) {
		kd_progress_begin(&st->progress, kd, "restore", path, NULL, src.file_bytes, "bytes");
		snprintf(st->progress.name, sizeof(st->progress.name), "%s", cfg.name);
	}
	if (!r)
		r = kd_domain_create_with(kd, &cfg, paused, kd_restore_build, &src, out, err);
	if (!r) {
		st->ms = kd_now_ms() - t0;
		st->bytes = src.rd.offset;
		kd_log("d%u (%s): restored from %s: %llu pages in %lld ms", (*out)->domid,
		       (*out)->cfg.name, path, (unsigned long long)st->pages, (long long)st->ms);
	}
	kd_restore_close(&src);
	return r;
}
