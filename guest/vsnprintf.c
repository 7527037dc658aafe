/*
 * vsnprintf/snprintf: the printf subset the kit supports (see string.h).
 * Output goes through a bounded sink that keeps counting past the end, so
 * the return value is the untruncated length.
 */
#include <stdint.h>
#include <ketch-guest/string.h>

struct sink {
	char *buf;
	size_t size;
	size_t len; /* characters produced so far, stored or not */
};

struct spec {
	int left;  /* '-' flag */
	int zero;  /* '0' flag */
	int width;
	int prec;  /* %.Ns: at most N characters; -1 = none */
	int lmod;  /* 0 int, 1 long, 2 long long, 3 size_t */
};

static void put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void pad(struct sink *s, char c, int n)
{
	while (n-- > 0)
		put(s, c);
}

/* Emit prefix (sign or "0x") and body, padded to the field width. */
static void field(struct sink *s, const struct spec *sp, const char *prefix,
		  const char *body, int blen)
{
	int plen = (int)strlen(prefix);
	int fill = sp->width - plen - blen;

	if (!sp->left && !sp->zero)
		pad(s, ' ', fill);
	for (int i = 0; i < plen; i++)
		put(s, prefix[i]);
	if (!sp->left && sp->zero)
		pad(s, '0', fill);
	for (int i = 0; i < blen; i++)
		put(s, body[i]);
	if (sp->left)
		pad(s, ' ', fill);
}

static void number(struct sink *s, const struct spec *sp, uint64_t v,
		   int neg, unsigned base, int upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = sizeof(tmp);

	do {
		tmp[--n] = digits[v % base];
		v /= base;
	} while (v);
	field(s, sp, neg ? "-" : prefix, tmp + n, (int)sizeof(tmp) - n);
}

static uint64_t get_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->lmod) {
	case 1: return va_arg(*ap, unsigned long);
	case 2: return va_arg(*ap, unsigned long long);
	case 3: return va_arg(*ap, size_t);
	default: return va_arg(*ap, unsigned int);
	}
}

static int64_t get_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->lmod) {
	case 1: return va_arg(*ap, long);
	case 2: return va_arg(*ap, long long);
	case 3: return (int64_t)va_arg(*ap, size_t);
	default: return va_arg(*ap, int);
	}
}

/* Parse flags, width and length; returns the conversion character. */
static const char *parse_spec(const char *fmt, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ 0 };
	for (;; fmt++) {
		if (*fmt == '-')
			sp->left = 1;
		else if (*fmt == '0')
			sp->zero = 1;
		else
			break;
	}
	if (*fmt == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = 1;
			sp->width = -sp->width;
		}
		fmt++;
	}
	while (*fmt >= '0' && *fmt <= '9')
		sp->width = sp->width * 10 + (*fmt++ - '0');
	sp->prec = -1;
	if (*fmt == '.') {
		sp->prec = 0;
		while (*++fmt >= '0' && *fmt <= '9')
			sp->prec = sp->prec * 10 + (*fmt - '0');
	}
	if (*fmt == 'z') {
		sp->lmod = 3;
		fmt++;
	}
	while (*fmt == 'l' && sp->lmod < 2) {
		sp->lmod++;
		fmt++;
	}
	return fmt;
}

/* One conversion at *fmt; returns the character after it. */
static const char *convert(struct sink *s, const char *fmt, va_list *ap)
{
	struct spec sp;
	char c;

	fmt = parse_spec(fmt, &sp, ap);
	switch (*fmt) {
	case 'd':
	case 'i': {
		int64_t v = get_signed(&sp, ap);
		uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
		number(s, &sp, mag, v < 0, 10, 0, "");
		break;
	}
	case 'u': number(s, &sp, get_unsigned(&sp, ap), 0, 10, 0, ""); break;
	case 'x': number(s, &sp, get_unsigned(&sp, ap), 0, 16, 0, ""); break;
	case 'X': number(s, &sp, get_unsigned(&sp, ap), 0, 16, 1, ""); break;
	case 'p':
		number(s, &sp, (uintptr_t)va_arg(*ap, void *), 0, 16, 0, "0x");
		break;
	case 's': {
		const char *str = va_arg(*ap, const char *);
		if (!str)
			str = "(null)";
		sp.zero = 0;
		size_t len = sp.prec < 0 ? strlen(str) : strnlen(str, (size_t)sp.prec);
		field(s, &sp, "", str, (int)len);
		break;
	}
	case 'c':
		c = (char)va_arg(*ap, int);
		sp.zero = 0;
		field(s, &sp, "", &c, 1);
		break;
	case '%': put(s, '%'); break;
	case '\0': return fmt; /* lone '%' at the end */
	default: /* unknown: print it as written */
		put(s, '%');
		put(s, *fmt);
		break;
	}
	return fmt + 1;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { .buf = buf, .size = size, .len = 0 };
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%')
			put(&s, *fmt++);
		else
			fmt = convert(&s, fmt + 1, &aq);
	}
	va_end(aq);
	if (size > 0)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
