/* SPDX-License-Identifier: BSD-3-Clause */
#include <tollgate/error.h>

const char *tg_strerror(int err)
{
	switch (err) {
	case TG_OK:			return "success";
	case TG_EINVAL:			return "invalid argument";
	case TG_ENOENT:			return "not found";
	case TG_ENOMEM:			return "out of memory";
	case TG_ERANGE:			return "out of range";
	case TG_ETIMEDOUT:		return "timed out";
	case TG_ENOSPC:			return "no space left";
	case TG_ENOTSUP:		return "not supported";
	case TG_EIO:			return "I/O error";
	case TG_EBUSY:			return "busy";
	case TG_EP2P:			return "peer-to-peer path not supported";
	case TG_EFDT_MAGIC:		return "bad FDT magic";
	case TG_EFDT_VERSION:		return "unsupported FDT version";
	case TG_EFDT_TRUNCATED:		return "FDT truncated";
	case TG_EFDT_LAYOUT:		return "FDT block offset or size out of bounds";
	case TG_EFDT_STRUCT:		return "FDT structure block corrupt";
	case TG_EFDT_STRING:		return "FDT string not terminated";
	case TG_EFDT_PROP:		return "FDT property malformed";
	case TG_EFDT_LOOP:		return "FDT phandle loop";
	case TG_EFDT_DEPTH:		return "FDT nesting too deep";
	default:			return "unknown error";
	}
}
