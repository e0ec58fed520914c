/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main image: after the boot log, what a user wants to see first --
 * the PCI functions, what the SMMU offers and whether the end-to-end
 * scenarios pass on the devices present -- then the interactive shell.
 */
#include <tollgate/boot.h>
#include <tollgate/log.h>
#include <tollgate/selftest.h>
#include <tollgate/shell.h>

/* Runs a command as if typed (shell_execute splits the line in place),
 * under a heading that is not the prompt: scripts wait for the prompt to
 * know the shell is reading. */
static void run_command(const char *cmd)
{
	char line[SHELL_LINE_MAX];
	unsigned int i = 0;

	for (; cmd[i] && i + 1 < sizeof(line); i++)
		line[i] = cmd[i];
	line[i] = '\0';
	tg_printf("--- %s\n", cmd);
	shell_execute(line);
}

void tg_main(const struct tg_system *sys)
{
	(void)sys;
	run_command("lspci");
	run_command("smmu features");
	tg_printf("--- selftest\n");
	selftest_run_all(NULL, false);
	pr_info("Tollgate ready; type 'help' for commands.\n");
	shell_run();
}
