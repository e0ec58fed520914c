/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The UART shell.  Commands register themselves with SHELL_COMMAND() from
 * any file; the linker gathers them (linker.ld, .shell_cmds), so adding a
 * command never means editing a central table.
 */
#ifndef TOLLGATE_SHELL_H
#define TOLLGATE_SHELL_H

#define SHELL_PROMPT	"tollgate> "
#define SHELL_LINE_MAX	160
#define SHELL_ARGS_MAX	16

struct shell_cmd {
	const char *name;
	const char *usage;	/* "lspci [-v]" */
	const char *help;	/* one line */
	int (*run)(int argc, char **argv);	/* 0 on success */
};

#define SHELL_COMMAND(ident, name_, usage_, help_, fn_)				\
	static const struct shell_cmd shell_cmd_##ident				\
	__attribute__((used, section(".shell_cmds." #ident), aligned(sizeof(void *)))) = \
		{ name_, usage_, help_, fn_ }

/* Splits a line in place into at most SHELL_ARGS_MAX words; returns argc. */
int shell_split(char *line, char **argv, int max);
/* Runs one command line; returns the command's status or -1 if unknown. */
int shell_execute(char *line);
/* Reads and runs commands forever. */
__attribute__((noreturn)) void shell_run(void);

#endif
