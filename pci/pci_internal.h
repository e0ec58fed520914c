/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared between the files of pci/: not a public interface. */
#ifndef TOLLGATE_PCI_INTERNAL_H
#define TOLLGATE_PCI_INTERNAL_H

#include <tollgate/log.h>
#include <tollgate/pci.h>

/* Raw config access through the host's ops, counted for the cost report.
 * Reads of a function that does not answer give all-ones. */
int pci_host_read(struct pci_host *host, uint8_t bus, uint8_t devfn, uint16_t off,
		  unsigned int size, uint32_t *val);
int pci_host_write(struct pci_host *host, uint8_t bus, uint8_t devfn, uint16_t off,
		   unsigned int size, uint32_t val);
/* The same for a function of the pool; the read gives the value itself,
 * all-ones when nothing answers or the access is refused. */
uint32_t pci_dev_cfg_read(struct pci_dev *dev, uint16_t off, unsigned int size);
int pci_dev_cfg_write(struct pci_dev *dev, uint16_t off, unsigned int size, uint32_t val);

/* Device pool (device.c). */
struct pci_dev *pci_dev_alloc(struct pci_host *host, uint8_t bus, uint8_t devfn);
void pci_dev_release_last(void);
void pci_devices_forget(void);

/* BAR sizing during the scan and the resource pass after it (resource.c). */
void pci_size_bars(struct pci_dev *dev);
void pci_probe_bridge_windows(struct pci_dev *bridge);
int pci_assign_resources(struct pci_host *host);

/* Capabilities (capability.c). */
void pci_read_caps(struct pci_dev *dev);
void pci_enable_acs(struct pci_dev *dev);

/* RID -> StreamID / MSI DeviceID / INTx (idmap.c). */
void pci_map_ids(struct pci_dev *dev);

/* Kept out of line although small: it has several callers, and a copy in
 * each costs more code than the call (measured on both ISAs at -Os). */
#define PCI_OUTLINE __attribute__((noinline))

/* Logging prefix "pci 0000:00:02.0" */
#define PCI_NAME_LEN 16

/*
 * One log line prefixed "pci 0000:00:02.0: " (device.c).  Through the
 * macros below, which compile to nothing with LOG=0, so the device name is
 * only formatted when the line is printed.
 */
void pci_dev_log(enum tg_log_level level, const struct pci_dev *dev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#if defined(TG_LOG_DISABLE)
#define pci_err(dev, ...)	do { if (0) pci_dev_log(TG_LOG_ERR, dev, __VA_ARGS__); } while (0)
#define pci_warn(dev, ...)	do { if (0) pci_dev_log(TG_LOG_WARN, dev, __VA_ARGS__); } while (0)
#define pci_info(dev, ...)	do { if (0) pci_dev_log(TG_LOG_INFO, dev, __VA_ARGS__); } while (0)
#else
#define pci_err(dev, ...)	pci_dev_log(TG_LOG_ERR, dev, __VA_ARGS__)
#define pci_warn(dev, ...)	pci_dev_log(TG_LOG_WARN, dev, __VA_ARGS__)
#define pci_info(dev, ...)	pci_dev_log(TG_LOG_INFO, dev, __VA_ARGS__)
#endif

#endif
