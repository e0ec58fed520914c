/* SPDX-License-Identifier: BSD-3-Clause */
/* System commands: version, poweroff, reset. */
#include <tollgate/arch.h>
#include <tollgate/boot.h>
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/psci.h>
#include <tollgate/shell.h>

static int version_cmd(int argc, char **argv)
{
	char cpu[96];

	arch_cpu_describe(cpu, sizeof(cpu));
	tg_printf("%s, board %s, built " __DATE__ " with gcc " __VERSION__ "\n",
		  TOLLGATE_VERSION_STRING, TG_BOARD);
	tg_printf("CPU: %s\n", cpu);
	return 0;
}
SHELL_COMMAND(version, "version", "version", "show the Tollgate version and CPU", version_cmd);

static int poweroff_cmd(int argc, char **argv)
{
	tg_printf("Powering off.\n");
	int err = psci_system_off();
	tg_printf("poweroff: PSCI SYSTEM_OFF failed: %s\n", tg_strerror(err));
	return 1;
}
SHELL_COMMAND(poweroff, "poweroff", "poweroff", "power the machine off (PSCI SYSTEM_OFF)", poweroff_cmd);

static int reset_cmd(int argc, char **argv)
{
	tg_printf("Resetting.\n");
	int err = psci_system_reset();
	tg_printf("reset: PSCI SYSTEM_RESET failed: %s\n", tg_strerror(err));
	return 1;
}
SHELL_COMMAND(reset, "reset", "reset", "reset the machine (PSCI SYSTEM_RESET)", reset_cmd);
