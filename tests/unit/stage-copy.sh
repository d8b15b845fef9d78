#!/usr/bin/env bash
# stage_copy_with_libs (image/stage-lib.sh) must never write through a link
# it finds in the stage: busybox applets are absolute links to /bin/busybox,
# and copying a same-named binary (util-linux blkdiscard) over one used to
# overwrite the build machine's own /bin/busybox.  stage_missing_libs
# must name a library a staged binary needs and the stage lacks.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/image/stage-lib.sh"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
ok() { echo "ok $1 - $2"; }
notok() { echo "not ok $1 - $2"; fails=$((fails + 1)); }
echo "1..5"
mkdir -p "$t/stage/usr/bin" "$t/outside"
echo "outside, must stay" >"$t/outside/victim"
ln -s "$t/outside/victim" "$t/stage/usr/bin/tool"
printf '#!/bin/sh\necho new\n' >"$t/tool"
chmod +x "$t/tool"
if stage_copy_with_libs "$t/stage" /usr/bin "$t/tool"; then ok 1 "copy succeeds"; else notok 1 "copy failed"; fi
if [ "$(cat "$t/outside/victim")" = "outside, must stay" ]; then
	ok 2 "the link's target outside the stage is untouched"
else
	notok 2 "the copy wrote through the link into a file outside the stage"
fi
if [ ! -L "$t/stage/usr/bin/tool" ] && cmp -s "$t/tool" "$t/stage/usr/bin/tool"; then
	ok 3 "the stage holds the new binary, not the link"
else
	notok 3 "the stage does not hold the copied binary"
fi
bin=$(type -P true)
stage_copy_with_libs "$t/stage" /usr/bin "$bin"
if stage_missing_libs "$t/stage" "$bin" >"$t/missing"; then
	ok 4 "every library of $bin is in the stage"
else
	notok 4 "libraries reported missing after the copy: $(cat "$t/missing")"
fi
libc=$(ldd "$bin" | grep -oE '/[^ ]*libc\.so[^ ]*' | head -n1)
rm -f "$t/stage$libc"
if ! stage_missing_libs "$t/stage" "$bin" >"$t/missing" && grep -qx "$libc" "$t/missing"; then
	ok 5 "a library taken out of the stage is named"
else
	notok 5 "$libc taken out of the stage, not reported (got: $(cat "$t/missing"))"
fi
exit $((fails > 0))
