/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PSCI client (Arm DEN 0022, "Power State Coordination Interface"): finds
 * the conduit in the DT and asks firmware (or QEMU's built-in PSCI) to
 * power off or reset.  Calls use the SMC Calling Convention (Arm DEN 0028)
 * through arch_smccc(); the 32-bit function IDs work from both ISAs.
 *
 * DT binding: arm/psci.yaml.  "arm,psci" alone is PSCI 0.1, whose
 * function IDs are firmware-specific and which has no SYSTEM_OFF or
 * SYSTEM_RESET; "arm,psci-0.2" and later use the standard IDs below.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <tollgate/arch.h>
#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/log.h>
#include <tollgate/psci.h>

/* Standard function IDs (DEN 0022, "Function IDs", SMC32 range). */
#define PSCI_FN_PSCI_VERSION	0x84000000UL
#define PSCI_FN_SYSTEM_OFF	0x84000008UL
#define PSCI_FN_SYSTEM_RESET	0x84000009UL

/* Return codes (DEN 0022, "Return error codes"); 32-bit signed. */
#define PSCI_SUCCESS		0
#define PSCI_NOT_SUPPORTED	(-1)
#define PSCI_INVALID_PARAMS	(-2)
#define PSCI_DENIED		(-3)
#define PSCI_ALREADY_ON		(-4)
#define PSCI_ON_PENDING		(-5)
#define PSCI_INTERNAL_FAILURE	(-6)
#define PSCI_NOT_PRESENT	(-7)
#define PSCI_DISABLED		(-8)
#define PSCI_INVALID_ADDRESS	(-9)

#define PSCI_VERSION_MAJOR(v)	((v) >> 16)
#define PSCI_VERSION_MINOR(v)	((v) & 0xFFFFU)
#define PSCI_VERSION_0_1	0x00000001U

static struct {
	bool present;		/* a conduit is known */
	bool standard_ids;	/* PSCI 0.2 or later */
	enum arch_conduit conduit;
	uint32_t version;
} psci;

/* The result is a 32-bit signed value even when a register is 64 bits. */
static int32_t psci_call(unsigned long fn, unsigned long a1, unsigned long a2,
			 unsigned long a3)
{
	return (int32_t)(uint32_t)arch_smccc(psci.conduit, fn, a1, a2, a3);
}

static int psci_to_tg(int32_t ret)
{
	switch (ret) {
	case PSCI_SUCCESS:
		return TG_OK;
	case PSCI_NOT_SUPPORTED:
		return TG_ENOTSUP;
	case PSCI_INVALID_PARAMS:
	case PSCI_INVALID_ADDRESS:
		return TG_EINVAL;
	case PSCI_ALREADY_ON:
	case PSCI_ON_PENDING:
		return TG_EBUSY;
	case PSCI_DENIED:
	case PSCI_INTERNAL_FAILURE:
	case PSCI_NOT_PRESENT:
	case PSCI_DISABLED:
	default:
		return TG_EIO;
	}
}

static int psci_find_node(const struct fdt *fdt)
{
	static const char *const compat[] = { "arm,psci-1.0", "arm,psci-0.2", "arm,psci" };

	return fdt_find_available(fdt, compat, sizeof(compat) / sizeof(compat[0]), NULL);
}

int psci_init_from_fdt(const struct fdt *fdt)
{
	enum arch_conduit conduit;
	const char *method;
	bool standard;
	int32_t ret;
	int node;

	if (!fdt)
		return TG_EINVAL;

	psci.present = false;
	psci.standard_ids = false;
	psci.version = 0;

	node = psci_find_node(fdt);
	if (node < 0)
		return TG_ENOENT;

	method = fdt_prop_string(fdt, node, "method");
	if (!method) {
		pr_err("psci: no \"method\" property\n");
		return TG_ENOENT;
	}
	if (strcmp(method, "hvc") == 0) {
		conduit = ARCH_CONDUIT_HVC;
	} else if (strcmp(method, "smc") == 0) {
		conduit = ARCH_CONDUIT_SMC;
	} else {
		pr_err("psci: unknown method \"%s\"\n", method);
		return TG_ENOTSUP;
	}
	psci.conduit = conduit;

	standard = fdt_is_compatible(fdt, node, "arm,psci-0.2") ||
		   fdt_is_compatible(fdt, node, "arm,psci-1.0");
	if (!standard) {
		psci.present = true;
		psci.version = PSCI_VERSION_0_1;
		pr_info("psci: PSCIv0.1 (conduit %s): no standard SYSTEM_OFF/SYSTEM_RESET\n",
			psci_conduit_name());
		return TG_OK;
	}

	ret = psci_call(PSCI_FN_PSCI_VERSION, 0, 0, 0);
	if (ret < 0) {
		pr_err("psci: PSCI_VERSION failed (%d) over %s\n", (int)ret,
		       conduit == ARCH_CONDUIT_HVC ? "hvc" : "smc");
		return psci_to_tg(ret) == TG_OK ? TG_EIO : psci_to_tg(ret);
	}
	psci.version = (uint32_t)ret;
	psci.standard_ids = true;
	psci.present = true;
	pr_info("psci: PSCIv%u.%u detected in firmware (conduit %s)\n",
		(unsigned int)PSCI_VERSION_MAJOR(psci.version),
		(unsigned int)PSCI_VERSION_MINOR(psci.version), psci_conduit_name());
	return TG_OK;
}

uint32_t psci_version(void)
{
	return psci.present ? psci.version : 0;
}

const char *psci_conduit_name(void)
{
	if (!psci.present)
		return "none";
	return psci.conduit == ARCH_CONDUIT_HVC ? "hvc" : "smc";
}

static int psci_system_call(unsigned long fn)
{
	int32_t ret;

	if (!psci.present || !psci.standard_ids)
		return TG_ENOTSUP;
	ret = psci_call(fn, 0, 0, 0);
	/* These calls do not return on success: coming back at all is a failure. */
	return ret == PSCI_SUCCESS ? TG_EIO : psci_to_tg(ret);
}

int psci_system_off(void)
{
	return psci_system_call(PSCI_FN_SYSTEM_OFF);
}

int psci_system_reset(void)
{
	return psci_system_call(PSCI_FN_SYSTEM_RESET);
}
