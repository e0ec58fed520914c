/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_TEST_SEMIHOST_H
#define TOLLGATE_TEST_SEMIHOST_H

/* Ends the QEMU run with `status` (needs -semihosting). */
__attribute__((noreturn)) void semihost_exit(unsigned int status);

#endif
