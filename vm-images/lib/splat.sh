# shellcheck shell=bash
# What counts as a kernel splat in a guest's log: the runner fails a run
# whose log has one of these lines (vm-images/run-in-vm), and a check that
# expects one particular splat (scripts/check's mtty part) takes this same
# list and removes only the lines of the splat it expects, so a pattern
# added here is seen by both.
#
# Sourced; defines splat_re (an extended regular expression) and
# splat_lines FILE... (the matching lines).

splat_re='(BUG:|WARNING:|detected stalls|Oops|general protection fault|KASAN|UBSAN|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|INFO: task .* blocked|soft lockup|hard LOCKUP|Kernel panic|suspected memory leak|Call Trace:)'

# A FILE that does not exist is skipped, not an error: grep's status stays
# "found" (0) or "not found" (1) when a guest died before saving its log.
splat_lines() {
	local f files=()
	for f; do
		[ -e "$f" ] && files+=("$f")
	done
	[ ${#files[@]} -gt 0 ] && grep -Eh "$splat_re" "${files[@]}"
}
