#!/usr/bin/env bash
# man.sh BINARY NAME: print a man page (roff) for NAME, made from BINARY's --help.
#
# BINARY runs with argv[0] set to NAME, so its help shows the command the way the page's
# reader types it: `git-pkg-push` → "git pkg-push", `git-pkg` → the dispatcher's "git pkg".
# git turns `git pkg-push --help` into `man git-pkg-push`, which is why these pages exist.
#
#   scripts/man.sh "$PREFIX/bin/pkg-push" git-pkg-push > git-pkg-push.1
set -euo pipefail

if [[ $# -ne 2 ]]; then
	echo "Usage: scripts/man.sh BINARY NAME > NAME.1" >&2
	exit 2
fi
bin=$1 name=$2
[[ -x $bin ]] || {
	echo "man.sh: $bin is not an executable file" >&2
	exit 1
}
# The dispatcher's note would override argv[0]; this page is about NAME.
unset LONGSHORE_PROG

help=$(exec -a "$name" "$bin" --help)
version=$("$bin" --version 2>/dev/null | awk 'NR == 1 { print $3 }') || version=""

# roff: a backslash is written \e; a line starting with . or ' would be a request, so
# it gets a zero-width \& in front; - becomes \- so options stay ASCII hyphen-minus
# when rendered (copy-pasteable --flags).
escape() {
	sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
}

# The first help line reads "PROG: what it does"; the usage lines follow "Usage:".
summary=$(printf '%s\n' "$help" | awk 'NR == 1 { sub(/^[^:]*: */, ""); print; exit }')
synopsis=$(printf '%s\n' "$help" | awk '
	/^Usage:/ { on = 1; next }
	on && /^[[:space:]]*$/ { exit }
	on { sub(/^[[:space:]]+/, ""); print }')
[[ -n $synopsis ]] || synopsis=$name

title=$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')
see_also=()
for page in pkg-tap pkg-push pkg-pull pkg-dep pkg-gc; do
	[[ $page == "$name" ]] || see_also+=("$page")
done

printf '.TH %s 1 "" "longshore %s" "longshore manual"\n' "$title" "$version"
printf '.SH NAME\n'
printf '%s \\- %s\n' "$(printf '%s' "$name" | escape)" "$(printf '%s' "${summary:-longshore}" | escape)"
printf '.SH SYNOPSIS\n.nf\n'
printf '%s\n' "$synopsis" | escape
printf '.fi\n'
printf '.SH DESCRIPTION\n.nf\n'
printf '%s\n' "$help" | escape
printf '.fi\n'
printf '.SH SEE ALSO\n'
# .BR sets the page name bold and "(1)," roman.
for i in "${!see_also[@]}"; do
	sep=","
	((i == ${#see_also[@]} - 1)) && sep=""
	printf '.BR %s (1)%s\n' "$(printf '%s' "${see_also[$i]}" | escape)" "$sep"
done
