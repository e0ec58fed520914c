# SPDX-License-Identifier: BSD-3-Clause
# The debug port both generic targets share: a JTAG-DP TAP or a SW-DP,
# and the DAP object on it (ADIv5).  The board's adapter configuration
# (interface/*.cfg) must come first, as usual in OpenOCD.

proc tollgate_dap {chip transport id irlen} {
	if {$transport eq "swd"} {
		transport select swd
		swd newdap $chip cpu -expected-id $id
	} elseif {$transport eq "jtag"} {
		transport select jtag
		jtag newtap $chip cpu -irlen $irlen -expected-id $id
	} else {
		error "tollgate-dap.tcl: TG_TRANSPORT must be jtag or swd, not $transport"
	}
	dap create $chip.dap -chain-position $chip.cpu
}
