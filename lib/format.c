/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * printf-style formatting without the C library's stdio, which would drag
 * in locale, malloc and file machinery a bare-metal image does not want.
 * Supports: %d %i %u %x %X %o %p %s %c %%; flags '-' '0' '#' ' ' '+';
 * width and precision (also '*'); length hh h l ll z j t.
 */
#include <stdbool.h>
#include <stdint.h>
#include <tollgate/log.h>

struct out {
	char *buf;
	size_t size;
	size_t len;	/* characters the full output needs */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left, zero, alt, plus, space;
	int width;
	int prec;	/* -1: none */
};

static void emit_number(struct out *o, uintmax_t v, bool negative, unsigned base,
			bool upper, const struct spec *s)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);

	const char *prefix = "";
	if (negative)
		prefix = "-";
	else if (s->plus)
		prefix = "+";
	else if (s->space)
		prefix = " ";
	if (s->alt && base == 16)
		prefix = upper ? "0X" : "0x";
	else if (s->alt && base == 8 && tmp[n - 1] != '0')
		prefix = "0";

	int plen = 0;
	while (prefix[plen])
		plen++;
	int zeros = s->prec > n ? s->prec - n : 0;
	int fill = s->width - plen - zeros - n;

	if (!s->left && !(s->zero && s->prec < 0))
		pad(o, ' ', fill);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (!s->left && s->zero && s->prec < 0)
		pad(o, '0', fill);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (s->left)
		pad(o, ' ', fill);
}

int tg_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };

	if (!fmt)
		fmt = "(null fmt)";
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt++;
		struct spec s = { .prec = -1 };
		for (;; fmt++) {
			if (*fmt == '-') s.left = true;
			else if (*fmt == '0') s.zero = true;
			else if (*fmt == '#') s.alt = true;
			else if (*fmt == '+') s.plus = true;
			else if (*fmt == ' ') s.space = true;
			else break;
		}
		if (*fmt == '*') {
			s.width = va_arg(ap, int);
			if (s.width < 0) {
				s.left = true;
				s.width = -s.width;
			}
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			s.width = s.width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			fmt++;
			s.prec = 0;
			if (*fmt == '*') {
				s.prec = va_arg(ap, int);
				if (s.prec < 0)
					s.prec = -1;
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				s.prec = s.prec * 10 + (*fmt++ - '0');
		}

		/* Length modifier: how wide the vararg is. */
		int lng = 0;	/* -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size/ptrdiff/intmax */
		for (;; fmt++) {
			if (*fmt == 'h') lng--;
			else if (*fmt == 'l') lng++;
			else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j') lng = 3;
			else break;
		}

		char conv = *fmt ? *fmt++ : '\0';
		switch (conv) {
		case 'd':
		case 'i': {
			intmax_t v;
			if (lng >= 3) v = (intmax_t)va_arg(ap, intmax_t);
			else if (lng == 2) v = va_arg(ap, long long);
			else if (lng == 1) v = va_arg(ap, long);
			else v = va_arg(ap, int);
			if (lng == -1) v = (short)v;
			if (lng <= -2) v = (signed char)v;
			uintmax_t mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
			emit_number(&o, mag, v < 0, 10, false, &s);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uintmax_t v;
			if (lng >= 3) v = va_arg(ap, uintmax_t);
			else if (lng == 2) v = va_arg(ap, unsigned long long);
			else if (lng == 1) v = va_arg(ap, unsigned long);
			else v = va_arg(ap, unsigned int);
			if (lng == -1) v = (unsigned short)v;
			if (lng <= -2) v = (unsigned char)v;
			unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
			emit_number(&o, v, false, base, conv == 'X', &s);
			break;
		}
		case 'p': {
			s.alt = true;
			emit_number(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, &s);
			break;
		}
		case 'c': {
			if (!s.left) pad(&o, ' ', s.width - 1);
			put(&o, (char)va_arg(ap, int));
			if (s.left) pad(&o, ' ', s.width - 1);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			int n = 0;
			while (str[n] && (s.prec < 0 || n < s.prec))
				n++;
			if (!s.left) pad(&o, ' ', s.width - n);
			for (int i = 0; i < n; i++)
				put(&o, str[i]);
			if (s.left) pad(&o, ' ', s.width - n);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown conversion: show it rather than eat arguments. */
			put(&o, '%');
			if (conv)
				put(&o, conv);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int tg_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = tg_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
