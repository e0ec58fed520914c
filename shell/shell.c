/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Line editor and command dispatcher over the polled console.
 * Editing: printable characters, Backspace/DEL, Ctrl-U (kill line),
 * Ctrl-C (abandon line); ANSI escape sequences (arrow keys) are ignored
 * rather than inserted as garbage.
 */
#include <string.h>

#include <tollgate/console.h>
#include <tollgate/log.h>
#include <tollgate/shell.h>
#include <tollgate/timer.h>

extern const struct shell_cmd __shell_cmds_start[], __shell_cmds_end[];

int shell_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	while (*p && argc < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return argc;
}

static const struct shell_cmd *find_command(const char *name)
{
	for (const struct shell_cmd *c = __shell_cmds_start; c < __shell_cmds_end; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int shell_execute(char *line)
{
	char *argv[SHELL_ARGS_MAX];
	int argc = shell_split(line, argv, SHELL_ARGS_MAX);

	if (!argc)
		return 0;
	const struct shell_cmd *cmd = find_command(argv[0]);
	if (!cmd) {
		tg_printf("%s: unknown command (try 'help')\n", argv[0]);
		return -1;
	}
	return cmd->run(argc, argv);
}

static int help_cmd(int argc, char **argv)
{
	if (argc > 1) {
		const struct shell_cmd *c = find_command(argv[1]);
		if (!c) {
			tg_printf("help: no command '%s'\n", argv[1]);
			return 1;
		}
		tg_printf("usage: %s\n  %s\n", c->usage, c->help);
		return 0;
	}
	for (const struct shell_cmd *c = __shell_cmds_start; c < __shell_cmds_end; c++)
		tg_printf("  %-18s %s\n", c->usage, c->help);
	return 0;
}
SHELL_COMMAND(help, "help", "help [command]", "list commands, or show one command's usage", help_cmd);

/* Blocks for one input byte, sleeping between polls (the UART is polled). */
static int read_char(void)
{
	for (;;) {
		int c = console_getc();
		if (c >= 0)
			return c;
		timer_wfi_bounded(2000);
	}
}

static void read_line(char *buf, size_t size)
{
	size_t len = 0;
	int escape = 0;	/* 1 after ESC, 2 inside CSI */

	for (;;) {
		int c = read_char();

		if (escape == 1) {
			escape = c == '[' ? 2 : 0;
			continue;
		}
		if (escape == 2) {
			if (c >= 0x40 && c <= 0x7e)
				escape = 0;
			continue;
		}
		switch (c) {
		case '\r':
		case '\n':
			console_putc('\n');
			buf[len] = '\0';
			return;
		case 0x1b:
			escape = 1;
			break;
		case 0x08:
		case 0x7f:
			if (len) {
				len--;
				console_write("\b \b", 3);
			}
			break;
		case 0x15:	/* Ctrl-U */
			while (len) {
				len--;
				console_write("\b \b", 3);
			}
			break;
		case 0x03:	/* Ctrl-C */
			console_write("^C\n", 3);
			len = 0;
			buf[0] = '\0';
			return;
		default:
			if (c >= 0x20 && c < 0x7f && len + 1 < size) {
				buf[len++] = (char)c;
				console_putc((char)c);
			}
			break;
		}
	}
}

void shell_run(void)
{
	char line[SHELL_LINE_MAX];

	for (;;) {
		tg_printf(SHELL_PROMPT);
		read_line(line, sizeof(line));
		shell_execute(line);
	}
}
