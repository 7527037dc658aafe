/*
 * libFuzzer target: arbitrary bytes as an xl.cfg file, read by Debian's
 * libxlutil (kd_config_xl_to_json) and then validated like any JSON config.
 * The text comes from users' files and from the CLI's create requests.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/*
 * Debian's libxlutil (4.17) leaks a list's last item when a bad byte
 * follows it ("n=['','' \335"): its own bug, on a parse error, and only
 * in the short-lived `ketch` CLI (ketchd never reads xl.cfg).  Ours would
 * still be found: only allocations made inside libxlutil are excused.
 */
const char *__lsan_default_suppressions(void)
{
	return "leak:xlu__cfg_string_mk\nleak:xlu__cfgl_dequote\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kd_error err = { 0 };
	struct kd_config cfg;
	char *text = malloc(size ? size : 1); /* exact size, no NUL: ASan sees overreads */
	struct json_object *o;

	if (!text)
		return 0;
	memcpy(text, data, size);
	o = kd_config_xl_to_json(text, size, "fuzz.cfg", &err);
	if (!o && !err.code[0])
		abort(); /* a refusal must say why */
	if (o && kd_config_from_json(o, &cfg, &err) == 0)
		kd_config_free(&cfg);
	json_object_put(o);
	free(text);
	return 0;
}
