# SPDX-License-Identifier: BSD-3-Clause
# Run by tools/check-openocd after a parameter set and the target script it
# names: compares the objects OpenOCD created with the parameters (one
# target per core, of the ISA's type, on the named AP, at its debug base;
# one CTI per ARMv8 core), prints CHECK-OK or one CHECK-FAIL line per
# difference, then shuts OpenOCD down.  Needs no adapter (runs before init).

set fails 0
proc fail {msg} {
	global fails
	echo "CHECK-FAIL $msg"
	incr fails
}

set want_type [expr {$TG_TARGET eq "armv8-a" ? "aarch64" : "cortex_a"}]
set names [target names]
if {[llength $names] != $TG_CORES} {
	fail "[llength $names] targets, want $TG_CORES"
}
if {[lsearch [dap names] $TG_CHIPNAME.dap] < 0} {
	fail "no DAP $TG_CHIPNAME.dap (have: [dap names])"
}
if {[lsearch [jtag names] $TG_CHIPNAME.cpu] < 0} {
	fail "no TAP $TG_CHIPNAME.cpu (have: [jtag names])"
}
for {set core 0} {$core < $TG_CORES} {incr core} {
	set t $TG_CHIPNAME.cpu.$core
	if {[lsearch $names $t] < 0} {
		fail "no target $t"
		continue
	}
	if {[$t cget -type] ne $want_type} {
		fail "$t is [$t cget -type], want $want_type"
	}
	if {[$t cget -ap-num] != $TG_AP} {
		fail "$t on AP [$t cget -ap-num], want $TG_AP"
	}
	set want [expr {[lindex $TG_DBGBASE $core]}]
	if {[$t cget -dbgbase] != $want} {
		fail [format "%s debug base 0x%x, want 0x%x" $t [$t cget -dbgbase] $want]
	}
	if {$TG_TARGET eq "armv8-a" && [lsearch [cti names] $TG_CHIPNAME.cti.$core] < 0} {
		fail "no CTI $TG_CHIPNAME.cti.$core"
	}
}
if {[target current] ne "$TG_CHIPNAME.cpu.0"} {
	fail "current target [target current], want $TG_CHIPNAME.cpu.0"
}
if {$fails == 0} {
	echo [format "CHECK-OK %s: %d x %s, AP %d, debug base 0x%x" $TG_TARGET $TG_CORES \
		$want_type $TG_AP [lindex $TG_DBGBASE 0]]
}
shutdown
