/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shaping the hot paths.  TG_HOT_INLINE forces inlining where it removes a
 * call or a stack frame from a fast path (the -O2 builds the benchmarks
 * measure); when optimising for size (-Os, where the core has a size
 * budget) the compiler decides, so fast paths are not duplicated.
 * TG_COLD keeps a slow path out of its caller, so the caller's fast path
 * needs no frame for it (at -Os a slow path called once is inlined: one
 * prologue less).
 */
#ifndef TOLLGATE_COMPILER_H
#define TOLLGATE_COMPILER_H

#ifdef __OPTIMIZE_SIZE__
#define TG_HOT_INLINE	inline
#define TG_COLD
#else
#define TG_HOT_INLINE	__attribute__((always_inline)) inline
#define TG_COLD		__attribute__((noinline))
#endif

#endif
