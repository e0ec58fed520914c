/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Arm PrimeCell UART (PL011), Arm DDI 0183G section 3.
 * Firmware (QEMU, U-Boot) has already set the baud rate; we only make sure
 * the UART, its transmitter and receiver are enabled and use polled I/O.
 */
#include <tollgate/console.h>
#include <tollgate/error.h>
#include <tollgate/mmio.h>

#define UARTDR		0x000
#define UARTFR		0x018
#define  UARTFR_RXFE	(1u << 4)	/* receive FIFO empty */
#define  UARTFR_TXFF	(1u << 5)	/* transmit FIFO full */
#define UARTCR		0x030
#define  UARTCR_UARTEN	(1u << 0)
#define  UARTCR_TXE	(1u << 8)
#define  UARTCR_RXE	(1u << 9)
#define UARTIMSC	0x038

/*
 * A stuck TXFF must not hang the system; at 115200 baud one character
 * takes ~87 us, so this many polls is generous without a timer (the
 * console is used before the timer exists).
 */
#define PL011_TX_SPIN	100000

static void pl011_putc(struct tg_console *con, char c)
{
	volatile uint8_t *regs = con->regs;

	for (int i = 0; i < PL011_TX_SPIN; i++) {
		if (!(mmio_read32(regs + UARTFR) & UARTFR_TXFF))
			break;
	}
	mmio_write32(regs + UARTDR, (uint8_t)c);
}

static int pl011_getc(struct tg_console *con)
{
	volatile uint8_t *regs = con->regs;

	if (mmio_read32(regs + UARTFR) & UARTFR_RXFE)
		return -1;
	return (int)(mmio_read32(regs + UARTDR) & 0xff);
}

int pl011_probe(struct tg_console *con, uint64_t phys)
{
	if (!con || !phys)
		return TG_EINVAL;
	void *regs = ioremap(phys, 0x1000);
	if (!regs)
		return TG_ERANGE;

	con->name = "pl011";
	con->phys = phys;
	con->regs = regs;
	con->putc = pl011_putc;
	con->getc = pl011_getc;

	uint32_t cr = mmio_read32((volatile uint8_t *)regs + UARTCR);
	uint32_t want = UARTCR_UARTEN | UARTCR_TXE | UARTCR_RXE;
	if ((cr & want) != want)
		mmio_write32((volatile uint8_t *)regs + UARTCR, cr | want);
	/* Polled driver: keep its interrupts masked. */
	mmio_write32((volatile uint8_t *)regs + UARTIMSC, 0);
	return TG_OK;
}
