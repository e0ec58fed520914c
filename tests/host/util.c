/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *env_or(const char *var, const char *dflt)
{
	const char *v = getenv(var);

	return v && *v ? v : dflt;
}

const char *tu_dtb_dir(void)
{
	return env_or("TG_DTB_DIR", "build/dtb");
}

const char *tu_fixture_dir(void)
{
	return env_or("TG_FIXTURE_DIR", "build/host/dts");
}

const char *tu_qemu_configs(void)
{
	return env_or("TG_QEMU_CONFIGS", "tools/qemu-configs");
}

uint8_t *tu_load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f) {
		fprintf(stderr, "cannot open %s (run from the project root after tools/dump-dtbs)\n", path);
		exit(2);
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "cannot size %s\n", path);
		exit(2);
	}
	buf = malloc(n ? (size_t)n : 1U);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

uint8_t *tu_load2(const char *dir, const char *name, size_t *len)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return tu_load(path, len);
}

int tu_read_configs(struct tu_config *cfg, int max)
{
	FILE *f = fopen(tu_qemu_configs(), "r");
	char line[1024];
	int n = 0;

	if (!f) {
		fprintf(stderr, "cannot open %s\n", tu_qemu_configs());
		exit(2);
	}
	while (n < max && fgets(line, sizeof(line), f)) {
		char *p = line;
		char *name, *arch;

		line[strcspn(line, "\r\n")] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		name = strtok(p, " \t");
		arch = strtok(NULL, " \t");
		if (!name || !arch)
			continue;
		memset(&cfg[n], 0, sizeof(cfg[n]));
		snprintf(cfg[n].name, sizeof(cfg[n].name), "%s", name);
		snprintf(cfg[n].arch, sizeof(cfg[n].arch), "%s", arch);
		for (char *w = strtok(NULL, " \t"); w; w = strtok(NULL, " \t")) {
			size_t used = strlen(cfg[n].args);
			snprintf(cfg[n].args + used, sizeof(cfg[n].args) - used, "%s%s",
				 used ? " " : "", w);
		}
		n++;
	}
	fclose(f);
	return n;
}

const char *tu_arg_after(const struct tu_config *cfg, const char *flag)
{
	static char word[256];
	char tmp[sizeof(cfg->args)];
	bool take = false;

	snprintf(tmp, sizeof(tmp), "%s", cfg->args);
	for (char *w = strtok(tmp, " "); w; w = strtok(NULL, " ")) {
		if (take) {
			snprintf(word, sizeof(word), "%s", w);
			return word;
		}
		take = strcmp(w, flag) == 0;
	}
	return NULL;
}

const char *tu_machine_opt(const struct tu_config *cfg, const char *key)
{
	static char val[128];
	const char *m = tu_arg_after(cfg, "-M");
	char tmp[256];
	size_t klen = strlen(key);

	if (!m)
		return NULL;
	snprintf(tmp, sizeof(tmp), "%s", m);
	for (char *o = strtok(tmp, ","); o; o = strtok(NULL, ",")) {
		if (strncmp(o, key, klen) == 0 && o[klen] == '=') {
			snprintf(val, sizeof(val), "%s", o + klen + 1);
			return val;
		}
	}
	return NULL;
}

void tu_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t tu_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

uint32_t tu_hdr(const uint8_t *blob, unsigned int field_off)
{
	return tu_get32(blob + field_off);
}

/* Independent token stepper for well-formed blobs (test input only). */
static uint32_t step(const uint8_t *s, uint32_t off)
{
	uint32_t tag = tu_get32(s + off);

	if (tag == 1) {
		uint32_t n = (uint32_t)strlen((const char *)s + off + 4) + 1;
		return off + 4 + ((n + 3) & ~3U);
	}
	if (tag == 3)
		return off + 12 + ((tu_get32(s + off + 4) + 3) & ~3U);
	return off + 4;
}

long tu_find_token(const uint8_t *blob, uint32_t tag, uint32_t from)
{
	const uint8_t *s = blob + tu_hdr(blob, 8);
	uint32_t size = tu_hdr(blob, 36);

	for (uint32_t off = 0; off + 4 <= size; off = step(s, off)) {
		if (off >= from && tu_get32(s + off) == tag)
			return (long)off;
		if (tu_get32(s + off) == 9)
			break;
	}
	return -1;
}

long tu_find_prop(const uint8_t *blob, long node, const char *name)
{
	const uint8_t *s = blob + tu_hdr(blob, 8);
	const char *strs = (const char *)blob + tu_hdr(blob, 12);
	uint32_t off = step(s, (uint32_t)node);

	for (;;) {
		uint32_t tag = tu_get32(s + off);
		if (tag == 3 && strcmp(strs + tu_get32(s + off + 8), name) == 0)
			return (long)off;
		if (tag != 3 && tag != 4)
			return -1;
		off = step(s, off);
	}
}

uint8_t *tu_build(const uint8_t *structb, uint32_t struct_len, const char *strings,
		  uint32_t strings_len, size_t *len)
{
	uint32_t off_rsv = 40, off_struct = 56;
	uint32_t off_strings = off_struct + struct_len;
	uint32_t total = off_strings + strings_len;
	uint8_t *b = calloc(1, total);

	if (!b)
		abort();
	tu_put32(b + 0, FDT_MAGIC);
	tu_put32(b + 4, total);
	tu_put32(b + 8, off_struct);
	tu_put32(b + 12, off_strings);
	tu_put32(b + 16, off_rsv);
	tu_put32(b + 20, 17);
	tu_put32(b + 24, 16);
	tu_put32(b + 28, 0);
	tu_put32(b + 32, strings_len);
	tu_put32(b + 36, struct_len);
	memcpy(b + off_struct, structb, struct_len);
	memcpy(b + off_strings, strings, strings_len);
	*len = total;
	return b;
}

uint8_t *tu_splice(const uint8_t *blob, uint32_t at, const uint8_t *ins, uint32_t n,
		   size_t *len)
{
	uint32_t total = tu_hdr(blob, 4);
	uint32_t off_struct = tu_hdr(blob, 8);
	uint32_t off_strings = tu_hdr(blob, 12);
	uint32_t size_struct = tu_hdr(blob, 36);
	uint32_t size_strings = tu_hdr(blob, 32);
	/* Expects the dtc/QEMU layout: strings right after the struct block. */
	uint32_t end = off_strings + size_strings;
	uint8_t *b = calloc(1, (size_t)end + n);

	if (!b || off_strings != off_struct + size_struct || end > total)
		abort();
	memcpy(b, blob, off_struct + at);
	memcpy(b + off_struct + at, ins, n);
	memcpy(b + off_struct + at + n, blob + off_struct + at, end - (off_struct + at));
	tu_put32(b + 4, end + n);
	tu_put32(b + 12, off_strings + n);
	tu_put32(b + 36, size_struct + n);
	*len = (size_t)end + n;
	return b;
}
