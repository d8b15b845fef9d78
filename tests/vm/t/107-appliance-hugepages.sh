# Huge pages reserved with vm.nr_hugepages are not in MemAvailable: a
# donation that fits the free pool but not MemAvailable is pinned from huge
# pages and served (it used to be refused); one beyond both is refused with
# a message naming both; with --no-hugepages the same donation is refused.
# vms: 1
# mem: 1G
# timeout: 300
# shellcheck shell=sh
. /tests/lib/appliance.inc
rxe_up
echo 320 >/proc/sys/vm/nr_hugepages
free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
hsize=$(awk '/^Hugepagesize:/ { print $2 / 1024 }' /proc/meminfo)
avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
pool=$((free * hsize))
want=$((pool - 32))
log "huge pages: $free free of $hsize MiB ($pool MiB), MemAvailable $avail MiB; donating $want MiB"
[ "$want" -gt "$avail" ] || fail "setup: a $want MiB donation fits MemAvailable ($avail MiB): nothing to test"

out=$(rmem-appliance --listen "$RMEM_MY_IP" --memory "${want}M" --no-hugepages --chunk-size 1M 2>&1)
[ $? != 0 ] || fail "--no-hugepages: $want MiB > MemAvailable $avail MiB was accepted"
echo "$out" | grep -q "cannot donate" || fail "--no-hugepages: no clear refusal: $out"
out=$(rmem-appliance --listen "$RMEM_MY_IP" --memory "$((pool + avail + 64))M" --chunk-size 1M 2>&1)
[ $? != 0 ] || fail "a donation beyond both pools was accepted"
echo "$out" | grep -q "in free huge pages" || fail "the refusal does not name the huge-page pool: $out"
log "refused as expected: $(echo "$out" | grep "cannot donate")"

appliance_start --memory "${want}M" --chunk-size 1M
grep -q "pinned $want MiB in $((want / hsize)) huge pages" "$RMEM_APP_LOG" ||
	{ cat "$RMEM_APP_LOG"; fail "the donation was not pinned from huge pages"; }
[ "$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)" = $((free - want / hsize)) ] ||
	fail "HugePages_Free did not drop by $((want / hsize))"
# The donation serves: chunks allocated, written, read back and freed.
check "alloc/write/read/free over 64 chunks" tc -D 9 basic -n 64 -s 4096
[ "$(owners_used)" = 0 ] || fail "owner table has $(owners_used) used words after the frees"
appliance_stop
pass
