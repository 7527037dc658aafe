/*
 * Unit tests: the save stream (libketchsave).  A stream written by the
 * writer reads back record by record; hostile streams are refused with
 * the right error: truncated at every byte (record boundaries included),
 * bad magic, future version, bad lengths and padding, a corrupted byte
 * (checksum), records out of order or repeated, frames and vCPUs out of
 * range, xenstore paths leaving the home, data after END.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ketch/savestream.h"

struct buf {
	uint8_t *p;
	size_t len, cap;
	size_t bounds[32]; /* offsets where records start */
	int nb;
};

static int sink(void *opaque, const void *data, size_t len)
{
	struct buf *b = opaque;

	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

static void mark(struct buf *b)
{
	b->bounds[b->nb++] = b->len;
}

static const struct ks_domain dom = { .mem_bytes = 8 << 20, .vcpus = 2,
	.uuid = { 1, 2, 3 }, .start_info_pfn = 5, .shared_info_gpa = 0x6000,
	.hypercall_page_gpa = 0x1000, .hypercall_page_va = 0x401000,
	.config = "{\"name\":\"t\"}" };

/* Header, DOMAIN, and whatever opt says before END (bits: 1 pages, 2 vcpu 0,
 * 4 vcpu 1, 8 evtchn, 16 gnttab, 32 xenstore). */
static struct buf stream(unsigned int opt, struct ks_writer *wout)
{
	struct buf b = { 0 };
	struct ks_writer w = { .sink = sink, .sink_opaque = &b };
	static uint8_t pages[2 * KS_PAGE];
	uint64_t pfn[2] = { 0, 2047 };
	struct ks_vcpu v0 = { .id = 0, .online = 1, .rip = 0x400100, .cr3 = 0x3000,
			      .rax = 0, .rdx = 5 }, v1 = { .id = 1, .cr3 = 0x3000 };
	struct ks_port ports[2] = { { .port = 1, .state = 3 }, { .port = 2, .state = 4,
				    .remote_port = 0 } };
	struct ks_evtchn e = { .count = 2, .ports = ports };
	struct ks_gnttab g = { .nr_frames = 1, .gpfn = { 9 } };
	struct ks_xs_node nodes[2] = { { "data/a", "1" }, { "name", "t" } };
	struct ks_xenstore x = { .count = 2, .nodes = nodes };

	memset(pages, 0xab, sizeof(pages));
	ck_assert_int_eq(ks_write_header(&w), 0);
	mark(&b);
	ck_assert_int_eq(ks_write_domain(&w, &dom), 0);
	mark(&b);
	if (opt & 1) {
		ck_assert_int_eq(ks_write_pages(&w, 2, pfn, pages), 0);
		mark(&b);
	}
	if (opt & 2) {
		ck_assert_int_eq(ks_write_vcpu(&w, &v0), 0);
		mark(&b);
	}
	if (opt & 4) {
		ck_assert_int_eq(ks_write_vcpu(&w, &v1), 0);
		mark(&b);
	}
	if (opt & 8) {
		ck_assert_int_eq(ks_write_evtchn(&w, &e), 0);
		mark(&b);
	}
	if (opt & 16) {
		ck_assert_int_eq(ks_write_gnttab(&w, &g), 0);
		mark(&b);
	}
	if (opt & 32) {
		ck_assert_int_eq(ks_write_xenstore(&w, &x), 0);
		mark(&b);
	}
	if (wout) {
		*wout = w;
		wout->sink_opaque = NULL;
		return b;
	}
	ck_assert_int_eq(ks_write_end(&w), 0);
	return b;
}

static int verify(const uint8_t *p, size_t len, char *err)
{
	struct ks_membuf m = { .data = p, .len = len };

	return ks_verify(ks_read_mem, &m, err);
}

START_TEST(valid_stream_reads_back)
{
	struct buf b = stream(63, NULL);
	struct ks_membuf m = { .data = b.p, .len = b.len };
	struct ks_reader r;
	struct ks_record rec;
	char err[KS_ERRLEN] = "";
	int n = 0;

	ck_assert_int_eq(ks_reader_init(&r, ks_read_mem, &m, err), 0);
	ck_assert_int_eq(ks_reader_next(&r, &rec, err), 1);
	ck_assert_uint_eq(rec.type, KS_REC_DOMAIN);
	ck_assert_uint_eq(rec.u.domain.mem_bytes, 8 << 20);
	ck_assert_str_eq(rec.u.domain.config, "{\"name\":\"t\"}");
	ck_assert_int_eq(ks_reader_next(&r, &rec, err), 1);
	ck_assert_uint_eq(rec.type, KS_REC_PAGES);
	ck_assert_uint_eq(rec.u.pages.count, 2);
	ck_assert_uint_eq(rec.u.pages.pfn[1], 2047);
	ck_assert_uint_eq(rec.u.pages.data[KS_PAGE], 0xab);
	ck_assert_int_eq(ks_reader_next(&r, &rec, err), 1);
	ck_assert_uint_eq(rec.u.vcpu.rip, 0x400100);
	ck_assert_uint_eq(rec.u.vcpu.rdx, 5);
	while (ks_reader_next(&r, &rec, err) == 1) {
		if (rec.type == KS_REC_XENSTORE) {
			ck_assert_str_eq(rec.u.xenstore.nodes[0].path, "data/a");
			ck_assert_str_eq(rec.u.xenstore.nodes[1].value, "t");
		}
		if (rec.type == KS_REC_EVTCHN)
			ck_assert_uint_eq(rec.u.evtchn.ports[1].state, 4);
		n++;
	}
	ck_assert_msg(r.seen_end, "%s", err);
	ck_assert_int_eq(n, 4);
	ks_reader_free(&r);
	free(b.p);
}
END_TEST

START_TEST(truncated_anywhere_is_refused)
{
	struct buf b = stream(63, NULL);
	char err[KS_ERRLEN];

	for (size_t len = 0; len < b.len; len++)
		ck_assert_msg(verify(b.p, len, err) < 0, "accepted %zu of %zu bytes", len, b.len);
	for (int i = 0; i < b.nb; i++) {
		int r = verify(b.p, b.bounds[i], err);

		ck_assert_int_eq(r, b.bounds[i] < KS_HEADER_LEN ? -EPROTO : -ENODATA);
		ck_assert_ptr_nonnull(strstr(err, "truncated"));
	}
	ck_assert_int_eq(verify(b.p, b.len, err), 0);
	free(b.p);
}
END_TEST

START_TEST(every_corrupted_byte_is_refused)
{
	struct buf b = stream(63, NULL);
	char err[KS_ERRLEN];

	/* Every byte of the header, the small records and the END; a sample of page data. */
	for (size_t i = 0; i < b.len; i += i < b.bounds[2] || i > b.bounds[3] ? 1 : 97) {
		b.p[i] ^= 0x40;
		ck_assert_msg(verify(b.p, b.len, err) < 0, "byte %zu flipped accepted", i);
		b.p[i] ^= 0x40;
	}
	b.p[b.bounds[2] + 100] ^= 1; /* inside page data: only the checksum sees it */
	ck_assert_int_eq(verify(b.p, b.len, err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "checksum"));
	free(b.p);
}
END_TEST

START_TEST(header_checks)
{
	struct buf b = stream(2, NULL);
	char err[KS_ERRLEN];

	b.p[8] = KS_VERSION + 1;
	ck_assert_int_eq(verify(b.p, b.len, err), -EPROTONOSUPPORT);
	ck_assert_ptr_nonnull(strstr(err, "newer"));
	b.p[8] = 0;
	ck_assert_int_eq(verify(b.p, b.len, err), -EPROTO);
	b.p[8] = KS_VERSION;
	b.p[0] = 'X';
	ck_assert_int_eq(verify(b.p, b.len, err), -EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "magic"));
	b.p[0] = 'K';
	b.p[12] = 1;
	ck_assert_int_eq(verify(b.p, b.len, err), -EPROTO);
	free(b.p);
}
END_TEST

/* A stream whose records are DOMAIN, vCPU 0 and then body (type, len) before END. */
static int with_record(uint32_t type, const void *body, uint32_t len, char *err)
{
	struct ks_writer w;
	struct buf b = stream(2, &w);
	int r;

	w.sink_opaque = &b;
	ck_assert_int_eq(ks_write_record(&w, type, body, len), 0);
	ck_assert_int_eq(ks_write_end(&w), 0);
	r = verify(b.p, b.len, err);
	free(b.p);
	return r;
}

START_TEST(bad_lengths)
{
	static uint8_t big[3 * KS_PAGE];
	uint8_t hdr[8] = { 0 };
	char err[KS_ERRLEN];
	struct buf b = stream(2, NULL);

	/* PAGES claiming 3 pages with room for 2 (and one of 0 pages). */
	hdr[0] = 3;
	memcpy(big, hdr, 8);
	ck_assert_int_eq(with_record(KS_REC_PAGES, big, 8 + 2 * (8 + KS_PAGE), err), -EBADMSG);
	big[0] = 0;
	ck_assert_int_eq(with_record(KS_REC_PAGES, big, 8, err), -EBADMSG);
	ck_assert_int_eq(with_record(KS_REC_VCPU, big, KS_VCPU_BODY - 8, err), -EBADMSG);
	ck_assert_int_eq(with_record(KS_REC_GNTTAB, big, 4, err), -EBADMSG);
	big[0] = 1; /* one port, no entry */
	ck_assert_int_eq(with_record(KS_REC_EVTCHN, big, 8, err), -EBADMSG);
	/* A record header claiming more than the limit, with no body at all. */
	b.len -= 16; /* drop END */
	memset(hdr, 0xff, 8);
	hdr[0] = KS_REC_PAGES;
	hdr[1] = hdr[2] = hdr[3] = 0;
	memcpy(b.p + b.len, hdr, 8);
	ck_assert_int_eq(verify(b.p, b.len + 8, err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "exceeds"));
	free(b.p);
}
END_TEST

START_TEST(records_checked_against_the_domain)
{
	static uint8_t pg[8 + 8 + KS_PAGE];
	uint8_t v[KS_VCPU_BODY] = { 0 };
	char err[KS_ERRLEN];

	pg[0] = 1;
	pg[8 + 1] = 0x08; /* frame 2048: one past the 8 MiB domain's last */
	ck_assert_int_eq(with_record(KS_REC_PAGES, pg, sizeof(pg), err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "outside"));
	v[0] = 2; /* vCPU 2 of 2 */
	v[8 + 3 * 8 + 1] = 0x30; /* cr3 0x3000 */
	ck_assert_int_eq(with_record(KS_REC_VCPU, v, sizeof(v), err), -EBADMSG);
	v[0] = 0; /* vCPU 0 again */
	ck_assert_int_eq(with_record(KS_REC_VCPU, v, sizeof(v), err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "twice"));
	v[0] = 1;
	v[8 + 7] = 0x80; /* rip in the upper half */
	ck_assert_int_eq(with_record(KS_REC_VCPU, v, sizeof(v), err), -EBADMSG);
	v[8 + 7] = 0;
	ck_assert_int_eq(with_record(KS_REC_VCPU, v, sizeof(v), err), 0);
	ck_assert_int_eq(with_record(KS_REC_DOMAIN, v, sizeof(v), err), -EBADMSG);
}
END_TEST

START_TEST(frame_given_twice)
{
	struct ks_writer w;
	struct buf b = stream(3, &w);
	uint64_t pfn = 2047;
	static uint8_t page[KS_PAGE];
	char err[KS_ERRLEN];

	w.sink_opaque = &b;
	ck_assert_int_eq(ks_write_pages(&w, 1, &pfn, page), 0);
	ck_assert_int_eq(ks_write_end(&w), 0);
	ck_assert_int_eq(verify(b.p, b.len, err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "twice"));
	free(b.p);
}
END_TEST

START_TEST(xenstore_paths_stay_home)
{
	const char *bad[] = { "/local/domain/0/x", "../0/name", "data/../../x", "a//b",
			      "a/", "data/./x", "sp ace", "" };
	char err[KS_ERRLEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t b[64] = { 1 };
		size_t pl = strlen(bad[i]);

		b[8] = (uint8_t)pl;
		b[10] = 1;
		memcpy(b + 12, bad[i], pl);
		b[12 + pl] = 'v';
		ck_assert_msg(with_record(KS_REC_XENSTORE, b, (uint32_t)(13 + pl), err) ==
			      -EBADMSG, "path \"%s\" accepted", bad[i]);
	}
	{
		uint8_t b[64] = { 1 };

		b[8] = 6;
		memcpy(b + 12, "data/x", 6);
		ck_assert_int_eq(with_record(KS_REC_XENSTORE, b, 18, err), 0);
		ck_assert_int_eq(with_record(KS_REC_XENSTORE, b, 19, err), -EBADMSG);
		b[10] = 200; /* value runs past the record */
		ck_assert_int_eq(with_record(KS_REC_XENSTORE, b, 18, err), -EBADMSG);
	}
}
END_TEST

START_TEST(order_and_unknown_records)
{
	struct buf b = { 0 };
	struct ks_writer w = { .sink = sink, .sink_opaque = &b };
	uint8_t body[8] = { 0 };
	char err[KS_ERRLEN];

	/* Optional unknown records are skipped, mandatory ones refused. */
	ck_assert_int_eq(with_record(KS_REC_OPTIONAL | 99, body, 3, err), 0);
	ck_assert_int_eq(with_record(99, body, 3, err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "unknown"));
	/* Nothing before DOMAIN; END needs vCPU 0. */
	ks_write_header(&w);
	ks_write_gnttab(&w, &(struct ks_gnttab){ 0 });
	ks_write_end(&w);
	ck_assert_int_eq(verify(b.p, b.len, err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "before the DOMAIN"));
	free(b.p);
	b = stream(0, NULL);
	ck_assert_int_eq(verify(b.p, b.len, err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "vCPU 0"));
	free(b.p);
	/* Data after END, and non-zero padding. */
	b = stream(2, NULL);
	b.p = realloc(b.p, b.len + 1);
	b.p[b.len] = 0;
	ck_assert_int_eq(verify(b.p, b.len + 1, err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "after the END"));
	free(b.p);
	b = stream(2, NULL);
	b.p[b.bounds[1] - 1] = 1; /* DOMAIN's last padding byte */
	ck_assert_int_eq(verify(b.p, b.len, err), -EBADMSG);
	free(b.p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("save_stream");
	TCase *tc = tcase_create("stream");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, valid_stream_reads_back);
	tcase_add_test(tc, truncated_anywhere_is_refused);
	tcase_add_test(tc, every_corrupted_byte_is_refused);
	tcase_add_test(tc, header_checks);
	tcase_add_test(tc, bad_lengths);
	tcase_add_test(tc, records_checked_against_the_domain);
	tcase_add_test(tc, frame_given_twice);
	tcase_add_test(tc, xenstore_paths_stay_home);
	tcase_add_test(tc, order_and_unknown_records);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
