/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hostile blobs.  Every corruption is made in memory from a real QEMU
 * device tree (the first configuration of tools/qemu-configs), or built
 * token by token where no real tree could show it (nesting depth), and
 * each must be refused with its own TG_EFDT_* code and the offset that
 * gave it away.  A final bounded fuzz pass mutates the header and
 * structure block and drives every lookup over every node of whatever
 * still opens: ASan/UBSan turn any stray read into a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/error.h>
#include <tollgate/fdt.h>

#include "util.h"

/* Header field offsets, DT spec v0.4 section 5.2. */
#define H_MAGIC		0
#define H_TOTALSIZE	4
#define H_OFF_STRUCT	8
#define H_OFF_STRINGS	12
#define H_OFF_RSVMAP	16
#define H_VERSION	20
#define H_LAST_COMP	24
#define H_SIZE_STRINGS	32
#define H_SIZE_STRUCT	36
#define HDR_LEN		40

/* Structure block tokens, DT spec 5.4.1. */
#define T_BEGIN		1
#define T_END_NODE	2
#define T_PROP		3
#define T_NOP		4
#define T_END		9

struct orig {
	uint8_t *blob;
	size_t len;
	uint32_t off_struct, size_struct, off_strings, size_strings, off_rsvmap;
};

static struct orig g;

/* A private, exactly sized copy: ASan catches any read past its end. */
static uint8_t *copy_blob(size_t len)
{
	uint8_t *b = malloc(len ? len : 1);

	assert_non_null(b);
	memcpy(b, g.blob, len < g.len ? len : g.len);
	return b;
}

static uint8_t *struct_at(uint8_t *b, long off)
{
	return b + g.off_struct + off;
}

/* fdt_open must fail with `err`, blaming `where` (skipped if ~0). */
static void expect(const uint8_t *b, size_t len, int err, uint32_t where)
{
	struct fdt fdt;
	uint32_t detail = 0xdeadbeef;

	memset(&fdt, 0xa5, sizeof(fdt));
	int rc = fdt_open(&fdt, b, len, &detail);
	if (rc != err)
		fail_msg("fdt_open: got %d (%s), want %d (%s)", rc, tg_strerror(rc), err,
			 tg_strerror(err));
	if (err != TG_OK) {
		assert_null(fdt.blob);
		assert_int_equal(fdt.totalsize, 0);
		if (where != ~0U)
			assert_int_equal(detail, where);
	} else {
		assert_ptr_equal(fdt.blob, b);
	}
}

static int group_setup(void **state)
{
	struct tu_config cfg[TU_MAX_CONFIGS];
	char name[96];

	if (tu_read_configs(cfg, TU_MAX_CONFIGS) < 1)
		return -1;
	snprintf(name, sizeof(name), "%s.dtb", cfg[0].name);
	g.blob = tu_load2(tu_dtb_dir(), name, &g.len);
	g.off_struct = tu_hdr(g.blob, H_OFF_STRUCT);
	g.size_struct = tu_hdr(g.blob, H_SIZE_STRUCT);
	g.off_strings = tu_hdr(g.blob, H_OFF_STRINGS);
	g.size_strings = tu_hdr(g.blob, H_SIZE_STRINGS);
	g.off_rsvmap = tu_hdr(g.blob, H_OFF_RSVMAP);
	/* tu_splice() and the truncation maths assume QEMU's layout. */
	if (g.off_rsvmap + 16 > g.off_struct || g.off_struct + g.size_struct != g.off_strings)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	free(g.blob);
	return 0;
}

static void test_pristine(void **state)
{
	expect(g.blob, g.len, TG_OK, 0);
}

/* The caller's buffer is shorter than the blob claims. */
static void test_truncated_buffer(void **state)
{
	struct fdt fdt;

	for (size_t cut = 0; cut < g.len; cut += cut < 64 ? 1 : 64) {
		uint32_t detail;
		assert_int_equal(fdt_open(&fdt, g.blob, cut, &detail), TG_EFDT_TRUNCATED);
		assert_null(fdt.blob);
	}
	expect(g.blob, g.len - 1, TG_EFDT_TRUNCATED, H_TOTALSIZE);
	expect(g.blob, 39, TG_EFDT_TRUNCATED, 39);
}

/*
 * The blob really ends early and its totalsize says so: exact-size heap
 * copies cut every 64 bytes through the populated part (and at every
 * header-field boundary).  What must happen follows from where the
 * blocks end.
 */
static void test_truncated_copies(void **state)
{
	uint32_t end_struct = g.off_struct + g.size_struct;
	uint32_t end_strings = g.off_strings + g.size_strings;
	uint32_t end_rsv = g.off_rsvmap + 16;
	size_t cuts[4096];
	unsigned int n = 0;

	for (size_t c = 0; c <= HDR_LEN + 8; c++)
		cuts[n++] = c;
	for (size_t c = 64; c < end_strings + 256 && n < 4000; c += 64)
		cuts[n++] = c;
	cuts[n++] = end_struct - 1;
	cuts[n++] = end_struct;
	cuts[n++] = end_strings - 1;
	cuts[n++] = end_strings;

	for (unsigned int i = 0; i < n; i++) {
		size_t cut = cuts[i];
		uint8_t *b = copy_blob(cut);
		int want;

		if (cut >= 8)
			tu_put32(b + H_TOTALSIZE, (uint32_t)cut);
		if (cut < HDR_LEN)
			want = TG_EFDT_TRUNCATED;
		else if (cut < end_rsv || cut < end_struct || cut < end_strings)
			want = TG_EFDT_LAYOUT;
		else
			want = TG_OK;
		expect(b, cut, want, ~0U);
		free(b);
	}
}

static void test_bad_magic(void **state)
{
	uint8_t *b = copy_blob(g.len);

	for (unsigned int i = 0; i < 4; i++) {
		b[i] ^= 0x01;
		expect(b, g.len, TG_EFDT_MAGIC, H_MAGIC);
		assert_int_equal(fdt_peek_totalsize(b), 0);
		b[i] ^= 0x01;
	}
	/* Little-endian magic: a blob written by the wrong tool. */
	b[0] = 0xed; b[1] = 0xfe; b[2] = 0x0d; b[3] = 0xd0;
	expect(b, g.len, TG_EFDT_MAGIC, H_MAGIC);
	free(b);
}

static void test_version(void **state)
{
	uint8_t *b = copy_blob(g.len);
	struct fdt fdt;

	tu_put32(b + H_VERSION, 15);
	expect(b, g.len, TG_EFDT_VERSION, H_VERSION);
	tu_put32(b + H_VERSION, 0);
	expect(b, g.len, TG_EFDT_VERSION, H_VERSION);
	tu_put32(b + H_VERSION, 17);
	tu_put32(b + H_LAST_COMP, 18);
	expect(b, g.len, TG_EFDT_VERSION, H_LAST_COMP);
	/* last_comp_version newer than version is self-contradictory. */
	tu_put32(b + H_VERSION, 16);
	tu_put32(b + H_LAST_COMP, 17);
	expect(b, g.len, TG_EFDT_VERSION, H_LAST_COMP);
	tu_put32(b + H_VERSION, 18);
	tu_put32(b + H_LAST_COMP, 18);
	expect(b, g.len, TG_EFDT_VERSION, H_LAST_COMP);
	/* A later version still readable as 16 is accepted. */
	tu_put32(b + H_VERSION, 18);
	tu_put32(b + H_LAST_COMP, 16);
	assert_int_equal(fdt_open(&fdt, b, g.len, NULL), TG_OK);
	assert_int_equal(fdt.version, 18);
	/* Version 16: struct size found by walking to FDT_END. */
	tu_put32(b + H_VERSION, 16);
	tu_put32(b + H_SIZE_STRUCT, 0xffffffff);
	assert_int_equal(fdt_open(&fdt, b, g.len, NULL), TG_OK);
	assert_int_equal(fdt.size_struct, g.size_struct);
	free(b);
}

static void test_totalsize(void **state)
{
	uint8_t *b = copy_blob(g.len);

	tu_put32(b + H_TOTALSIZE, (uint32_t)g.len + 4);
	expect(b, g.len, TG_EFDT_TRUNCATED, H_TOTALSIZE);
	tu_put32(b + H_TOTALSIZE, 0xffffffff);
	expect(b, g.len, TG_EFDT_TRUNCATED, H_TOTALSIZE);
	tu_put32(b + H_TOTALSIZE, HDR_LEN - 1);
	expect(b, g.len, TG_EFDT_LAYOUT, H_TOTALSIZE);
	tu_put32(b + H_TOTALSIZE, 0);
	expect(b, g.len, TG_EFDT_LAYOUT, H_TOTALSIZE);
	free(b);
}

/* One header field set to a value, expecting LAYOUT blamed on `blame`. */
static void layout_case(unsigned int field, uint32_t value, unsigned int blame)
{
	uint8_t *b = copy_blob(g.len);

	tu_put32(b + field, value);
	expect(b, g.len, TG_EFDT_LAYOUT, blame);
	free(b);
}

static void test_block_offsets(void **state)
{
	uint32_t total = (uint32_t)g.len;

	/* Structure block. */
	layout_case(H_OFF_STRUCT, total, H_SIZE_STRUCT);
	layout_case(H_OFF_STRUCT, total + 4, H_OFF_STRUCT);
	layout_case(H_OFF_STRUCT, 0xfffffffc, H_OFF_STRUCT);
	layout_case(H_OFF_STRUCT, 0xffffffff, H_OFF_STRUCT);
	layout_case(H_OFF_STRUCT, g.off_struct + 2, H_OFF_STRUCT);	/* misaligned */
	layout_case(H_OFF_STRUCT, 8, H_OFF_STRUCT);			/* inside the header */
	layout_case(H_SIZE_STRUCT, 0xffffffff, H_SIZE_STRUCT);
	layout_case(H_SIZE_STRUCT, 0xfffffffc, H_SIZE_STRUCT);
	layout_case(H_SIZE_STRUCT, total - g.off_struct + 4, H_SIZE_STRUCT);
	/* Strings block. */
	layout_case(H_OFF_STRINGS, 0xffffffff, H_OFF_STRINGS);
	layout_case(H_OFF_STRINGS, total - g.size_strings + 1, H_SIZE_STRINGS);
	layout_case(H_OFF_STRINGS, 4, H_OFF_STRINGS);
	layout_case(H_SIZE_STRINGS, 0xffffffff, H_SIZE_STRINGS);
	layout_case(H_SIZE_STRINGS, 0xfffffff0, H_SIZE_STRINGS);
	layout_case(H_SIZE_STRINGS, total - g.off_strings + 1, H_SIZE_STRINGS);
	/* Memory reservation block: 8-aligned, after the header, in the blob. */
	layout_case(H_OFF_RSVMAP, 0xffffffff, H_OFF_RSVMAP);
	layout_case(H_OFF_RSVMAP, 0xfffffff8, H_OFF_RSVMAP);
	layout_case(H_OFF_RSVMAP, g.off_rsvmap + 4, H_OFF_RSVMAP);
	layout_case(H_OFF_RSVMAP, 0, H_OFF_RSVMAP);
	layout_case(H_OFF_RSVMAP, total - 8, H_OFF_RSVMAP);
}

/* No all-zero entry ends the reservation list before the blob does. */
static void test_rsvmap_unterminated(void **state)
{
	uint32_t end = g.off_strings + g.size_strings;
	uint8_t *b = copy_blob(end);

	tu_put32(b + H_TOTALSIZE, end);
	/* Turn the terminator into a real entry (1 byte at address 1). */
	tu_put32(b + g.off_rsvmap + 4, 1);
	tu_put32(b + g.off_rsvmap + 12, 1);
	/* Precondition: no aligned 16 zero bytes anywhere after it. */
	for (uint32_t o = g.off_rsvmap; o + 16 <= end; o += 16) {
		static const uint8_t zero[16];
		assert_memory_not_equal(b + o, zero, 16);
	}
	expect(b, end, TG_EFDT_LAYOUT, g.off_rsvmap);
	free(b);
}

/* The first child node's name runs to the end of the block. */
static void test_unterminated_name(void **state)
{
	long root = tu_find_token(g.blob, T_BEGIN, 0);
	long child = tu_find_token(g.blob, T_BEGIN, (uint32_t)root + 4);
	uint8_t *b = copy_blob(g.len);

	assert_true(root == 0 && child > 0);
	memset(struct_at(b, child + 4), 'x', g.size_struct - (uint32_t)child - 4);
	expect(b, g.len, TG_EFDT_STRING, g.off_struct + (uint32_t)child);
	/* Same for the root's (empty) name. */
	memset(struct_at(b, 4), 'y', g.size_struct - 4);
	expect(b, g.len, TG_EFDT_STRING, g.off_struct);
	free(b);
}

/* The last string of the strings block loses its NUL. */
static void test_unterminated_string(void **state)
{
	uint8_t *b = copy_blob(g.len);
	struct fdt fdt;
	uint32_t detail;

	assert_int_equal(b[g.off_strings + g.size_strings - 1], 0);
	b[g.off_strings + g.size_strings - 1] = 'z';
	assert_int_equal(fdt_open(&fdt, b, g.len, &detail), TG_EFDT_STRING);
	assert_true(detail >= g.off_strings && detail < g.off_strings + g.size_strings);
	free(b);
}

static void test_prop_fields(void **state)
{
	long prop = tu_find_token(g.blob, T_PROP, 0);
	uint32_t where = g.off_struct + (uint32_t)prop;
	static const uint32_t bad_len[] = { 0xffffffff, 0xfffffff4, 0x80000000 };
	uint8_t *b = copy_blob(g.len);

	assert_true(prop > 0);
	/* Length past the end of the structure block (and wrapping). */
	tu_put32(struct_at(b, prop + 4), g.size_struct);
	expect(b, g.len, TG_EFDT_PROP, where);
	tu_put32(struct_at(b, prop + 4), g.size_struct - (uint32_t)prop - 12 + 1);
	expect(b, g.len, TG_EFDT_PROP, where);
	for (unsigned int i = 0; i < 3; i++) {
		tu_put32(struct_at(b, prop + 4), bad_len[i]);
		expect(b, g.len, TG_EFDT_PROP, where);
	}
	memcpy(b, g.blob, g.len);
	/* Name offset past the strings block. */
	tu_put32(struct_at(b, prop + 8), g.size_strings);
	expect(b, g.len, TG_EFDT_PROP, where + 8);
	tu_put32(struct_at(b, prop + 8), 0xffffffff);
	expect(b, g.len, TG_EFDT_PROP, where + 8);
	/* The last byte of the block is a NUL: an empty name, legal. */
	tu_put32(struct_at(b, prop + 8), g.size_strings - 1);
	expect(b, g.len, TG_OK, 0);
	free(b);
}

static void test_unknown_token(void **state)
{
	long prop = tu_find_token(g.blob, T_PROP, 0);
	static const uint32_t bad[] = { 0, 5, 7, 8, 10, 0x100, 0x01000000, 0xffffffff };
	uint8_t *b = copy_blob(g.len);

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tu_put32(struct_at(b, prop), bad[i]);
		expect(b, g.len, TG_EFDT_STRUCT, g.off_struct + (uint32_t)prop);
	}
	free(b);
}

static void test_end_missing(void **state)
{
	long end = tu_find_token(g.blob, T_END, 0);
	uint8_t *b = copy_blob(g.len);

	assert_int_equal((uint32_t)end + 4, g.size_struct);
	tu_put32(struct_at(b, end), T_NOP);
	expect(b, g.len, TG_EFDT_STRUCT, g.off_struct + g.size_struct);
	tu_put32(struct_at(b, end), T_END);
	/* Block shortened so FDT_END falls outside it. */
	tu_put32(b + H_SIZE_STRUCT, g.size_struct - 4);
	expect(b, g.len, TG_EFDT_STRUCT, g.off_struct + g.size_struct - 4);
	/* FDT_END before the root. */
	memcpy(b, g.blob, g.len);
	tu_put32(struct_at(b, 0), T_END);
	expect(b, g.len, TG_EFDT_STRUCT, g.off_struct);
	/* An empty structure block. */
	tu_put32(b + H_SIZE_STRUCT, 0);
	expect(b, g.len, TG_EFDT_STRUCT, ~0U);
	free(b);
}

static void splice_expect(uint32_t at, const uint32_t *tokens, unsigned int ntok, int err,
			  uint32_t blame_at)
{
	uint8_t ins[64];
	size_t len;

	for (unsigned int i = 0; i < ntok; i++)
		tu_put32(ins + 4 * i, tokens[i]);
	uint8_t *b = tu_splice(g.blob, at, ins, 4 * ntok, &len);
	expect(b, len, err, blame_at == ~0U ? ~0U : g.off_struct + blame_at);
	free(b);
}

static void test_unbalanced(void **state)
{
	long end = tu_find_token(g.blob, T_END, 0);
	long root_end = end - 4;
	long first_prop = tu_find_token(g.blob, T_PROP, 0);
	long child = tu_find_token(g.blob, T_BEGIN, 4);
	uint8_t *b = copy_blob(g.len);

	assert_int_equal(tu_get32(g.blob + g.off_struct + root_end), T_END_NODE);
	/* The root never closes. */
	tu_put32(struct_at(b, root_end), T_NOP);
	expect(b, g.len, TG_EFDT_STRUCT, g.off_struct + (uint32_t)end);
	free(b);

	static const uint32_t end_node[] = { T_END_NODE };
	static const uint32_t second_root[] = { T_BEGIN, 0, T_END_NODE };
	static const uint32_t nops[] = { T_NOP, T_NOP };
	/* An END_NODE with nothing open, after the root closed. */
	splice_expect((uint32_t)end, end_node, 1, TG_EFDT_STRUCT, (uint32_t)end);
	/* The root closed at once: its properties are then outside any node. */
	splice_expect((uint32_t)first_prop, end_node, 1, TG_EFDT_STRUCT, (uint32_t)first_prop + 4);
	/* A second root after the first. */
	splice_expect((uint32_t)end, second_root, 3, TG_EFDT_STRUCT, (uint32_t)end);
	/* NOPs are allowed anywhere between tokens. */
	splice_expect((uint32_t)end, nops, 2, TG_OK, 0);
	splice_expect((uint32_t)first_prop, nops, 2, TG_OK, 0);
	splice_expect(0, nops, 2, TG_OK, 0);
	/* A property after a subnode (DT spec 5.4.2 puts properties first). */
	long child_end = tu_find_token(g.blob, T_END_NODE, (uint32_t)child);
	long nameoff_src = tu_find_prop(g.blob, 0, "model");
	assert_true(nameoff_src > 0);
	uint32_t prop[] = { T_PROP, 0, tu_get32(g.blob + g.off_struct + nameoff_src + 8) };
	splice_expect((uint32_t)child_end + 4, prop, 3, TG_EFDT_STRUCT, (uint32_t)child_end + 4);
	/* Same property among the root's own properties: fine. */
	splice_expect((uint32_t)first_prop, prop, 3, TG_OK, 0);

	/* The NOP-padded tree still answers lookups. */
	uint8_t ins[8];
	size_t len;
	struct fdt fdt;
	tu_put32(ins, T_NOP);
	tu_put32(ins + 4, T_NOP);
	b = tu_splice(g.blob, (uint32_t)child, ins, 8, &len);
	assert_int_equal(fdt_open(&fdt, b, len, NULL), TG_OK);
	int uart = fdt_path_offset(&fdt, "/pl011@9000000");
	uint64_t a;
	assert_int_equal(fdt_reg(&fdt, uart, 0, &a, NULL), TG_OK);
	assert_int_equal(a, 0x9000000);
	free(b);
}

/* A chain of `depth` nested nodes, built token by token. */
static uint8_t *nested(unsigned int depth, size_t *len)
{
	uint32_t n = 0;
	uint32_t *tok = calloc(2 * depth + 4, 2 * sizeof(uint32_t));

	assert_non_null(tok);
	/* Names: "" for the root, then "n" (one word with padding). */
	tok[n++] = T_BEGIN;
	tok[n++] = 0;
	for (unsigned int i = 1; i < depth; i++) {
		tok[n++] = T_BEGIN;
		tok[n++] = 0x6e000000;	/* "n\0\0\0" */
	}
	for (unsigned int i = 0; i < depth; i++)
		tok[n++] = T_END_NODE;
	tok[n++] = T_END;
	uint8_t *raw = malloc(4 * n);
	assert_non_null(raw);
	for (uint32_t i = 0; i < n; i++)
		tu_put32(raw + 4 * i, tok[i]);
	uint8_t *b = tu_build(raw, 4 * n, "", 1, len);
	free(raw);
	free(tok);
	return b;
}

static void test_depth(void **state)
{
	size_t len;
	struct fdt fdt;
	char path[3 * FDT_MAX_DEPTH + 2];

	uint8_t *b = nested(FDT_MAX_DEPTH, &len);
	assert_int_equal(fdt_open(&fdt, b, len, NULL), TG_OK);
	int node = fdt_root(&fdt), depth = 0, deepest = node;
	while ((node = fdt_next_node(&fdt, node, &depth)) >= 0)
		deepest = node;
	assert_int_equal(depth, FDT_MAX_DEPTH - 1);
	assert_int_equal(fdt_node_path(&fdt, deepest, path, sizeof(path)), TG_OK);
	assert_int_equal(strlen(path), 2 * (FDT_MAX_DEPTH - 1));
	assert_int_equal(fdt_path_offset(&fdt, path), deepest);
	int hops = 0;
	for (node = deepest; node != fdt_root(&fdt); node = fdt_parent(&fdt, node))
		hops++;
	assert_int_equal(hops, FDT_MAX_DEPTH - 1);
	free(b);

	static const unsigned int too_deep[] = { FDT_MAX_DEPTH + 1, 100, 5000 };
	for (unsigned int i = 0; i < 3; i++) {
		uint32_t detail;
		b = nested(too_deep[i], &len);
		assert_int_equal(fdt_open(&fdt, b, len, &detail), TG_EFDT_DEPTH);
		/* Blamed on the first BEGIN_NODE past the limit (8 bytes each). */
		assert_int_equal(detail, 56 + 8 * FDT_MAX_DEPTH);
		free(b);
	}
}

/* Inserts a 4-byte property right after the node header at `node`. */
static uint8_t *add_cell_prop(const uint8_t *blob, long node, uint32_t nameoff, uint32_t value,
			      size_t *len)
{
	uint8_t ins[16];
	uint32_t name_len = (uint32_t)strlen((const char *)blob + tu_hdr(blob, H_OFF_STRUCT) + node + 4);

	tu_put32(ins, T_PROP);
	tu_put32(ins + 4, 4);
	tu_put32(ins + 8, nameoff);
	tu_put32(ins + 12, value);
	return tu_splice(blob, (uint32_t)node + 4 + ((name_len + 4) & ~3U), ins, 16, len);
}

static long node_named(const uint8_t *blob, const char *name)
{
	for (long off = tu_find_token(blob, T_BEGIN, 0); off >= 0;
	     off = tu_find_token(blob, T_BEGIN, (uint32_t)off + 4)) {
		if (strcmp((const char *)blob + tu_hdr(blob, H_OFF_STRUCT) + off + 4, name) == 0)
			return off;
	}
	fail_msg("no node %s", name);
	return -1;
}

/*
 * Two ordinary devices made each other's interrupt-parent (the GPIO and
 * the SMMU, which carry phandles): the parent search must stop.
 */
static void test_phandle_loop(void **state)
{
	size_t len1, len2;
	struct fdt fdt;
	struct fdt_irq irq;
	long ip = tu_find_prop(g.blob, 0, "interrupt-parent");
	uint32_t nameoff = tu_get32(g.blob + g.off_struct + ip + 8);
	long gpio = node_named(g.blob, "pl061@9030000");
	long smmu = node_named(g.blob, "smmuv3@9050000");
	uint32_t gpio_ph = tu_get32(g.blob + g.off_struct + tu_find_prop(g.blob, gpio, "phandle") + 12);
	uint32_t smmu_ph = tu_get32(g.blob + g.off_struct + tu_find_prop(g.blob, smmu, "phandle") + 12);

	assert_true(ip > 0 && gpio > 0 && smmu > 0);
	/* Patch the later node first so the earlier offset stays valid. */
	long first = gpio < smmu ? gpio : smmu, second = gpio < smmu ? smmu : gpio;
	uint8_t *b1 = add_cell_prop(g.blob, second, nameoff, second == gpio ? smmu_ph : gpio_ph, &len1);
	uint8_t *b2 = add_cell_prop(b1, first, nameoff, first == gpio ? smmu_ph : gpio_ph, &len2);

	assert_int_equal(fdt_open(&fdt, b2, len2, NULL), TG_OK);
	int g_node = fdt_path_offset(&fdt, "/pl061@9030000");
	int s_node = fdt_path_offset(&fdt, "/smmuv3@9050000");
	assert_int_equal(fdt_interrupt_parent(&fdt, g_node), TG_EFDT_LOOP);
	assert_int_equal(fdt_interrupt_parent(&fdt, s_node), TG_EFDT_LOOP);
	assert_int_equal(fdt_irq(&fdt, g_node, 0, &irq), TG_EFDT_LOOP);
	assert_int_equal(fdt_irq_count(&fdt, s_node), TG_EFDT_LOOP);
	assert_int_equal(fdt_irq_by_name(&fdt, s_node, "gerror", &irq), TG_EFDT_LOOP);
	/* Untouched nodes keep their GIC. */
	int uart = fdt_path_offset(&fdt, "/pl011@9000000");
	assert_int_equal(fdt_irq(&fdt, uart, 0, &irq), TG_OK);
	assert_true(fdt_is_compatible(&fdt, irq.controller, "arm,cortex-a15-gic") ||
		    fdt_is_compatible(&fdt, irq.controller, "arm,gic-v3"));
	free(b1);
	free(b2);
}

/* ------------------------------------------------------------------------ */

static uint64_t rng_state = 0x5eed0f7011a7e5ULL;

static uint32_t rnd(void)
{
	/* xorshift64*: fixed seed, so every run mutates the same bytes. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

/* Calls every lookup on every node; returns the number of nodes. */
static unsigned int exercise(const struct fdt *fdt)
{
	static const char *const props[] = {
		"compatible", "reg", "interrupts", "phandle", "status", "ranges",
		"#address-cells", "interrupt-names", "stdout-path", "",
	};
	unsigned int nodes = 0;
	int depth = 0;
	char path[512];

	for (int node = fdt_next_node(fdt, -1, &depth); node >= 0;
	     node = fdt_next_node(fdt, node, &depth)) {
		struct fdt_range r[4];
		struct fdt_irq irq;
		uint64_t a, s;
		uint32_t v, len;
		int t;

		/* Offsets strictly increase, so this is a hard bound. */
		assert_true(++nodes <= fdt->size_struct / 8);
		(void)fdt_node_name(fdt, node);
		if (fdt_node_path(fdt, node, path, sizeof(path)) == TG_OK)
			(void)fdt_path_offset(fdt, path);
		(void)fdt_parent(fdt, node);
		(void)fdt_first_child(fdt, node);
		(void)fdt_next_sibling(fdt, node);
		for (unsigned int i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
			(void)fdt_getprop(fdt, node, props[i], &len);
			(void)fdt_prop_u32(fdt, node, props[i], &v);
			(void)fdt_prop_u64(fdt, node, props[i], &a);
			(void)fdt_prop_string(fdt, node, props[i]);
			(void)fdt_stringlist_get(fdt, node, props[i], 1);
			(void)fdt_stringlist_index(fdt, node, props[i], "arm,pl011");
		}
		const char *compat = fdt_stringlist_get(fdt, node, "compatible", 0);
		if (compat)
			(void)fdt_node_by_compatible(fdt, -1, compat);
		if (fdt_prop_u32(fdt, node, "phandle", &v) == TG_OK)
			(void)fdt_node_by_phandle(fdt, v);
		(void)fdt_is_available(fdt, node);
		(void)fdt_address_cells(fdt, node);
		(void)fdt_size_cells(fdt, node);
		for (unsigned int i = 0; i < 3; i++) {
			(void)fdt_reg(fdt, node, i, &a, &s);
			(void)fdt_reg_raw(fdt, node, i, &a, &s);
		}
		(void)fdt_ranges(fdt, node, "ranges", r, 4);
		(void)fdt_ranges(fdt, node, "dma-ranges", r, 4);
		(void)fdt_translate(fdt, node, 0x10001000, &a);
		(void)fdt_interrupt_parent(fdt, node);
		int n = fdt_irq_count(fdt, node);
		for (int i = 0; i < (n > 4 ? 4 : n); i++)
			(void)fdt_irq(fdt, node, (unsigned int)i, &irq);
		(void)fdt_irq_by_name(fdt, node, "gerror", &irq);
		if (fdt_getprop(fdt, node, "interrupt-map", &len)) {
			uint32_t addr[4] = { 0x800, 0, 0, 0 }, spec[4] = { 2, 0, 0, 0 };
			(void)fdt_interrupt_map(fdt, node, addr, spec, &irq);
		}
		(void)fdt_map_id(fdt, node, "iommu-map", 0x100, &t, &v);
		(void)fdt_map_id(fdt, node, "msi-map", 0x8, &t, &v);
	}
	(void)fdt_path_offset(fdt, "/pcie/nothing");
	(void)fdt_node_by_phandle(fdt, 0x8002);
	for (unsigned int i = 0; i < 4; i++) {
		uint64_t a, s;
		(void)fdt_reserved(fdt, i, &a, &s);
	}
	return nodes;
}

static void fuzz_one(uint8_t *b, unsigned int *opened)
{
	struct fdt fdt;

	if (fdt_open(&fdt, b, g.len, NULL) == TG_OK) {
		(*opened)++;
		(void)exercise(&fdt);
	}
}

static void test_fuzz(void **state)
{
	uint8_t *b = copy_blob(g.len);
	struct fdt fdt;
	unsigned int opened = 0, runs = 0;

	/* The unmodified tree first: every node is reached. */
	assert_int_equal(fdt_open(&fdt, b, g.len, NULL), TG_OK);
	assert_true(exercise(&fdt) > 40);

	/* Every header byte, each bit and all bits flipped. */
	for (unsigned int i = 0; i < HDR_LEN; i++) {
		for (unsigned int m = 0; m < 9; m++) {
			uint8_t mask = m < 8 ? (uint8_t)(1U << m) : 0xff;
			b[i] ^= mask;
			fuzz_one(b, &opened);
			runs++;
			b[i] ^= mask;
		}
	}
	/* Random single-byte changes in the structure block (and a few in
	 * the strings block), restored after each run. */
	for (unsigned int i = 0; i < 2500; i++) {
		uint32_t off = i < 2000 ? g.off_struct + rnd() % g.size_struct
					: g.off_strings + rnd() % g.size_strings;
		uint8_t old = b[off];
		uint8_t val = (uint8_t)rnd();

		b[off] = val == old ? (uint8_t)~val : val;
		fuzz_one(b, &opened);
		runs++;
		b[off] = old;
	}
	assert_memory_equal(b, g.blob, g.len);
	print_message("fuzz: %u mutated blobs, %u opened and fully exercised\n", runs, opened);
	/* Many mutations land in property values and still open. */
	assert_true(opened > runs / 10);
	assert_true(opened < runs);
	free(b);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pristine),
		cmocka_unit_test(test_truncated_buffer),
		cmocka_unit_test(test_truncated_copies),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_totalsize),
		cmocka_unit_test(test_block_offsets),
		cmocka_unit_test(test_rsvmap_unterminated),
		cmocka_unit_test(test_unterminated_name),
		cmocka_unit_test(test_unterminated_string),
		cmocka_unit_test(test_prop_fields),
		cmocka_unit_test(test_unknown_token),
		cmocka_unit_test(test_end_missing),
		cmocka_unit_test(test_unbalanced),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_phandle_loop),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests_name("corrupt", tests, group_setup, group_teardown) ? 1 : 0;
}
