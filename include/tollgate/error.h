/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Error codes returned by every public Tollgate function: 0 on success,
 * a negative TG_E* value otherwise.  Each names one cause, so callers and
 * tests can tell a truncated blob from a bad offset from a missing node.
 */
#ifndef TOLLGATE_ERROR_H
#define TOLLGATE_ERROR_H

enum tg_err {
	TG_OK = 0,
	TG_EINVAL = -1,		/* bad argument from the caller */
	TG_ENOENT = -2,		/* node, property or entry not present */
	TG_ENOMEM = -3,		/* allocator or static pool exhausted */
	TG_ERANGE = -4,		/* value does not fit / out of range */
	TG_ETIMEDOUT = -5,	/* bounded poll expired */
	TG_ENOSPC = -6,		/* no room: output array, address space, queue */
	TG_ENOTSUP = -7,	/* valid but not supported by this build */
	TG_EIO = -8,		/* hardware reported an error */
	TG_EBUSY = -9,		/* resource already in use */
	TG_EP2P = -10,		/* no supported peer-to-peer path between two devices */
	/* Device tree blob problems. */
	TG_EFDT_MAGIC = -20,	/* header magic is not 0xd00dfeed */
	TG_EFDT_VERSION = -21,	/* version older than 16 or incompatible */
	TG_EFDT_TRUNCATED = -22,/* totalsize larger than the buffer given */
	TG_EFDT_LAYOUT = -23,	/* a block offset/size points past the blob */
	TG_EFDT_STRUCT = -24,	/* bad token, nesting or missing FDT_END */
	TG_EFDT_STRING = -25,	/* name or string not terminated in bounds */
	TG_EFDT_PROP = -26,	/* property malformed (length, cells) */
	TG_EFDT_LOOP = -27,	/* a phandle chain refers back to itself */
	TG_EFDT_DEPTH = -28,	/* nesting deeper than we support */
};

/* Short, stable English description of an error code ("bad FDT magic"). */
const char *tg_strerror(int err);

#endif
