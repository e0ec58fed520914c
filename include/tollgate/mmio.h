/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device register access.  Every access is a single instruction of the
 * named width, so devices that only decode some widths (the SMMU takes
 * 32/64-bit only, edu 32-bit below 0x80) see exactly what the driver means.
 */
#ifndef TOLLGATE_MMIO_H
#define TOLLGATE_MMIO_H

#include <stdint.h>
#include <stddef.h>

static inline uint8_t mmio_read8(const volatile void *addr)
{
	return *(const volatile uint8_t *)addr;
}

static inline uint16_t mmio_read16(const volatile void *addr)
{
	return *(const volatile uint16_t *)addr;
}

static inline uint32_t mmio_read32(const volatile void *addr)
{
	return *(const volatile uint32_t *)addr;
}

static inline void mmio_write8(volatile void *addr, uint8_t val)
{
	*(volatile uint8_t *)addr = val;
}

static inline void mmio_write16(volatile void *addr, uint16_t val)
{
	*(volatile uint16_t *)addr = val;
}

static inline void mmio_write32(volatile void *addr, uint32_t val)
{
	*(volatile uint32_t *)addr = val;
}

#if defined(__aarch64__)
static inline uint64_t mmio_read64(const volatile void *addr)
{
	return *(const volatile uint64_t *)addr;
}

static inline void mmio_write64(volatile void *addr, uint64_t val)
{
	*(volatile uint64_t *)addr = val;
}
#else
/*
 * AArch32 has no single-copy-atomic 64-bit MMIO access that every device
 * accepts; registers meant for 32-bit CPUs take two halves, low first.
 */
static inline uint64_t mmio_read64(const volatile void *addr)
{
	const volatile uint32_t *p = addr;
	uint32_t lo = p[0];
	uint32_t hi = p[1];

	return ((uint64_t)hi << 32) | lo;
}

static inline void mmio_write64(volatile void *addr, uint64_t val)
{
	volatile uint32_t *p = addr;

	p[0] = (uint32_t)val;
	p[1] = (uint32_t)(val >> 32);
}
#endif

/*
 * Returns a CPU pointer for a physical MMIO range, mapped as device memory.
 * Identity on AArch64; on AArch32 ranges above 4 GiB (QEMU highmem ECAM,
 * 64-bit PCI windows) get a window of the 32-bit address space.
 * NULL if the range cannot be mapped.
 */
void *ioremap(uint64_t phys, size_t size);

#endif
