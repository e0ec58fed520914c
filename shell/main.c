/* SPDX-License-Identifier: BSD-3-Clause */
/* The main image: boot log, then the interactive shell. */
#include <tollgate/boot.h>
#include <tollgate/log.h>
#include <tollgate/shell.h>

void tg_main(const struct tg_system *sys)
{
	(void)sys;
	pr_info("Tollgate ready; type 'help' for commands.\n");
	shell_run();
}
