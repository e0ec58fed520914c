/* SPDX-License-Identifier: BSD-3-Clause */
/* `selftest`: every end-to-end scenario the present devices allow. */
#include <string.h>

#include <tollgate/selftest.h>
#include <tollgate/shell.h>

static int selftest_cmd(int argc, char **argv)
{
	const char *filter = NULL;
	bool verbose = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = true;
		else
			filter = argv[i];
	}
	return selftest_run_all(filter, verbose) ? 1 : 0;
}
SHELL_COMMAND(selftest, "selftest", "selftest [-v] [name-filter]",
	      "run the end-to-end scenarios the present devices allow", selftest_cmd);
