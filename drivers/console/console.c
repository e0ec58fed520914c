/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Console selection: /chosen/stdout-path names the UART (DT spec 3.6), as
 * an alias or a path, optionally followed by ":<options>".
 */
#include <string.h>

#include <tollgate/console.h>
#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/log.h>

static struct tg_console the_console;
static struct tg_console *current;

void console_init_early(uint64_t pl011_phys)
{
	/* Before the MMU is on ioremap is identity: the PA is usable as is. */
	if (pl011_probe(&the_console, pl011_phys) == TG_OK)
		current = &the_console;
}

static int find_stdout_node(const struct fdt *fdt)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	const char *path = chosen >= 0 ? fdt_prop_string(fdt, chosen, "stdout-path") : NULL;

	if (path) {
		char buf[128];
		size_t n = strcspn(path, ":");
		if (n >= sizeof(buf))
			return TG_ERANGE;
		memcpy(buf, path, n);
		buf[n] = '\0';
		int node = fdt_path_offset(fdt, buf);
		if (node >= 0)
			return node;
	}
	/* No usable stdout-path: first available PL011 in the tree. */
	int node = -1;
	while ((node = fdt_node_by_compatible(fdt, node, "arm,pl011")) >= 0) {
		if (fdt_is_available(fdt, node))
			return node;
	}
	return TG_ENOENT;
}

int console_init_from_fdt(const struct fdt *fdt)
{
	if (!fdt)
		return TG_EINVAL;
	int node = find_stdout_node(fdt);
	if (node < 0)
		return node;
	if (!fdt_is_compatible(fdt, node, "arm,pl011"))
		return TG_ENOTSUP;

	uint64_t base, size;
	int err = fdt_reg(fdt, node, 0, &base, &size);
	if (err)
		return err;
	struct tg_console con;
	err = pl011_probe(&con, base);
	if (err)
		return err;
	the_console = con;
	current = &the_console;
	return TG_OK;
}

void console_putc(char c)
{
	if (!current)
		return;
	if (c == '\n')
		current->putc(current, '\r');
	current->putc(current, c);
}

void console_write(const char *s, unsigned long len)
{
	for (unsigned long i = 0; i < len; i++)
		console_putc(s[i]);
}

int console_getc(void)
{
	return current ? current->getc(current) : -1;
}

const struct tg_console *console_current(void)
{
	return current;
}
