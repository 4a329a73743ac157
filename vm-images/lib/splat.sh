# shellcheck shell=bash
# What counts as a kernel splat in a guest's log: the runner fails a run
# whose log has one of these lines (vm-images/run-in-vm), and a check that
# expects one particular splat (scripts/check's mtty part) takes this same
# list and removes only the lines of the splat it expects, so a pattern
# added here is seen by both.
#
# Sourced; defines splat_re (an extended regular expression) and
# splat_lines FILE... (the matching lines, without file names).

splat_re='(BUG:|WARNING:|detected stalls|Oops|general protection fault|KASAN|UBSAN|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|INFO: task .* blocked|soft lockup|hard LOCKUP|Kernel panic|suspected memory leak|Call Trace:)'

splat_lines() {
	grep -Eh "$splat_re" "$@" 2>/dev/null
}
