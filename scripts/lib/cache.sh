# SPDX-License-Identifier: GPL-2.0-only
#
# Where cached builds live (the extracted kernel source, the debug kernel),
# sourced by scripts/install-deps and vm-images/debug-kernel/build.
#
# cache_dir NAME: the directory for the cache entry NAME.  MOCK_VFIO_CACHE,
# if set, holds every entry.  Otherwise the machine-wide cache
# /var/cache/mock-vfio-pci, when the entry is complete there (made by an
# earlier root run) or we can write it; else the user's
# ${XDG_CACHE_HOME:-~/.cache}/mock-vfio-pci, so a normal user builds too.
cache_dir() {
	local system=/var/cache/mock-vfio-pci
	if [ -n "${MOCK_VFIO_CACHE:-}" ]; then
		echo "$MOCK_VFIO_CACHE/$1"
	elif [ -e "$system/$1/.complete" ] || { mkdir -p "$system" 2>/dev/null && [ -w "$system" ]; }; then
		echo "$system/$1"
	else
		echo "${XDG_CACHE_HOME:-$HOME/.cache}/mock-vfio-pci/$1"
	fi
}
