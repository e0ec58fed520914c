/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The imaginary RTOS of rtos.h on the host (POSIX), so that port.c and
 * libtollgate-core.a link and run in make test, plus a smoke test of the
 * seam: a DMA page, a bounded poll, a log line, an interrupt through the
 * port's trampoline and the core lock taken and released in pairs.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/iova.h>
#include <tollgate/log.h>
#include <tollgate/platform.h>
#include <tollgate/poll.h>
#include <tollgate/smmu.h>

#include "rtos.h"

void *rtos_dma_heap_alloc(size_t size, size_t align)
{
	void *p = NULL;

	return posix_memalign(&p, align, size) ? NULL : p;
}

void rtos_dma_heap_free(void *p)
{
	free(p);
}

uint64_t rtos_virt_to_phys(const void *va)
{
	return (uint64_t)(uintptr_t)va;
}

void *rtos_phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

void *rtos_map_device(uint64_t pa, size_t size)
{
	return NULL;	/* no devices on the host */
}

void rtos_dcache_clean(const void *va, size_t size)
{
}

void rtos_dcache_invalidate(const void *va, size_t size)
{
}

uint64_t rtos_uptime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void (*host_isr)(void *);
static void *host_isr_arg;

int rtos_irq_from_dt(const uint32_t *cells, unsigned int ncells, unsigned int *irq)
{
	/* GIC binding: <type number flags>, SPI n is INTID n + 32. */
	if (ncells != 3 || cells[0] != 0)
		return -1;
	*irq = cells[1] + 32;
	return 0;
}

int rtos_irq_connect(unsigned int irq, int edge, void (*isr)(void *arg), void *arg)
{
	host_isr = isr;
	host_isr_arg = arg;
	return 0;
}

uint64_t rtos_msi_doorbell_phys(void)
{
	return 0x08020000;
}

/* One CPU on the host: the spinlock checks pairing and counts, interrupts are a flag. */
static int irqs_masked;
static unsigned long lock_taken, lock_errors;

unsigned long rtos_spin_lock_irqsave(rtos_spinlock_t *lock)
{
	unsigned long flags = (unsigned long)irqs_masked;

	irqs_masked = 1;
	if (lock->owner) {
		fprintf(stderr, "example-rtos: spinlock taken twice (deadlock on a real CPU)\n");
		lock_errors++;
	}
	lock->owner = 1;
	lock_taken++;
	return flags;
}

void rtos_spin_unlock_irqrestore(rtos_spinlock_t *lock, unsigned long flags)
{
	if (!lock->owner) {
		fprintf(stderr, "example-rtos: spinlock released while free\n");
		lock_errors++;
	}
	lock->owner = 0;
	irqs_masked = (int)flags;
}

static char last_line[256];

void rtos_log_write(int severity, const char *line)
{
	snprintf(last_line, sizeof(last_line), "%s", line);
	fputs(line, stdout);
}

static unsigned int fired_intid;

static void on_irq(unsigned int intid, void *ctx)
{
	fired_intid = intid;
}

static int check(int ok, const char *what, int *failed)
{
	printf("%s %s\n", ok ? "PASS" : "FAIL", what);
	*failed += !ok;
	return ok;
}

int main(void)
{
	int failed = 0;
	uint64_t phys = 0;
	void *page = plat_dma_alloc(100, 0, &phys);

	check(page && phys == (uint64_t)(uintptr_t)page && !(phys & (TG_PAGE_SIZE - 1)),
	      "plat_dma_alloc: page-aligned, physical address returned", &failed);
	plat_dma_free(page, 100);

	uint64_t t0 = plat_time_ns();
	int err = tg_poll_until(0, 2000);
	uint64_t waited = plat_time_ns() - t0;
	check(err == TG_ETIMEDOUT && waited >= 2000000u && waited < 1000000000u,
	      "tg_poll_until on plat_time_ns: times out after 2 ms, bounded", &failed);

	tg_log(TG_LOG_INFO, "example-rtos: core log through plat_log (%s)\n", tg_strerror(TG_ENOMEM));
	check(strstr(last_line, "example-rtos: core log") != NULL, "pr_* reaches plat_log", &failed);

	struct fdt_irq spec = { .controller = 0, .ncells = 3, .cells = { 0, 74, 1 } };
	unsigned int intid = 0;
	err = plat_irq_request(&spec, true, on_irq, NULL, &intid);
	if (host_isr)
		host_isr(host_isr_arg);
	check(err == TG_OK && intid == 106 && fired_intid == 106,
	      "plat_irq_request: SPI 74 -> INTID 106, the RTOS ISR reaches the core's handler",
	      &failed);
	check(plat_irq_request(NULL, true, on_irq, NULL, &intid) == TG_EINVAL,
	      "plat_irq_request: NULL spec is TG_EINVAL", &failed);

	/* Core code proper on the port: the IOVA allocator, a reservation honoured. */
	static struct iova_node nodes[IOVA_NODES(8)];
	static struct iova_domain iovad;
	uint64_t a = 0, b = 0;
	int ok = iova_domain_init(&iovad, TG_PAGE_SIZE, 0, 0xffffffffull, nodes, IOVA_NODES(8)) == TG_OK &&
		 iova_reserve(&iovad, 0, 0x7fffffffull) == TG_OK &&
		 iova_alloc(&iovad, 8192, 0xffffffffull, &a) == TG_OK &&
		 iova_alloc(&iovad, 8192, 0xffffffffull, &b) == TG_OK;
	check(ok && a >= 0x80000000ull && b >= 0x80000000ull && (a + 8192 <= b || b + 8192 <= a),
	      "iova_alloc above a reserved range, disjoint", &failed);

	/* The core lock: once per entry point, released before it returns, interrupts restored. */
	unsigned long before = lock_taken;
	int rc = smmu_map(NULL, 0, 0, TG_PAGE_SIZE, 0);
	unsigned int polled = smmu_poll_events(NULL);
	check(rc == TG_EINVAL && polled == 0 && lock_taken == before + 2 && !lock_errors &&
	      !irqs_masked, "core lock: one acquisition per entry point, released, IRQs restored",
	      &failed);

	printf("example-rtos: %d passed, %d failed\n", 7 - failed, failed);
	return failed ? 1 : 0;
}
