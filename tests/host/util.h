/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared helpers for the host unit tests: loading blobs, reading
 * tools/qemu-configs, and a tiny structure-block builder for blobs that
 * cannot be made from real trees.
 */
#ifndef TOLLGATE_TESTS_HOST_UTIL_H
#define TOLLGATE_TESTS_HOST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/fdt.h>

/* Directories, overridable from the environment (TG_DTB_DIR,
 * TG_FIXTURE_DIR, TG_QEMU_CONFIGS) when run outside the project root. */
const char *tu_dtb_dir(void);
const char *tu_fixture_dir(void);
const char *tu_qemu_configs(void);

/* Reads a whole file into malloc'd memory; aborts the test run on error. */
uint8_t *tu_load(const char *path, size_t *len);
/* tu_load(dir "/" name). */
uint8_t *tu_load2(const char *dir, const char *name, size_t *len);

#define TU_MAX_CONFIGS	16
struct tu_config {
	char name[64];
	char arch[16];
	char args[512];		/* the machine arguments, space separated */
};
/* Parses tools/qemu-configs; returns the number of configurations. */
int tu_read_configs(struct tu_config *cfg, int max);
/* The value of `key=` inside the -M option, or NULL (static buffer). */
const char *tu_machine_opt(const struct tu_config *cfg, const char *key);
/* The word following `flag` in the arguments ("-cpu" -> "cortex-a57"). */
const char *tu_arg_after(const struct tu_config *cfg, const char *flag);

/* Big-endian stores for patching blobs. */
void tu_put32(uint8_t *p, uint32_t v);
uint32_t tu_get32(const uint8_t *p);

/*
 * Offset (inside the structure block, relative to its start) of the
 * first token of type `tag` at or after `from`; decodes the blob with
 * its own reading of the spec, independent of the code under test.
 * Returns -1 if none.
 */
long tu_find_token(const uint8_t *blob, uint32_t tag, uint32_t from);
/* Offset of the FDT_PROP token of property `name` of the node at `node`. */
long tu_find_prop(const uint8_t *blob, long node, const char *name);

/*
 * Builds a blob from a raw structure block and strings block:
 * header (version 17), empty reservation map, struct, strings.  Returns
 * malloc'd memory; *len gets totalsize.
 */
uint8_t *tu_build(const uint8_t *structb, uint32_t struct_len, const char *strings,
		  uint32_t strings_len, size_t *len);
/*
 * Copy of `blob` with `n` bytes inserted into the structure block at
 * struct offset `at`; the strings block moves up and the header follows.
 */
uint8_t *tu_splice(const uint8_t *blob, uint32_t at, const uint8_t *ins, uint32_t n,
		   size_t *len);

/* Header field accessors. */
uint32_t tu_hdr(const uint8_t *blob, unsigned int field_off);

#endif
