/* SPDX-License-Identifier: BSD-3-Clause */
/* PSCI (Arm DEN 0022): power-off and reset through firmware. */
#ifndef TOLLGATE_PSCI_H
#define TOLLGATE_PSCI_H

#include <stdint.h>

struct fdt;

int psci_init_from_fdt(const struct fdt *fdt);
/* "0.2"-style version, 0 if PSCI is absent. */
uint32_t psci_version(void);
const char *psci_conduit_name(void);
/* Return only on failure (TG_ENOTSUP when no PSCI). */
int psci_system_off(void);
int psci_system_reset(void);

#endif
