# rmem-top on a real terminal (tmux): the screen shows the header, a donor row
# and device rows, every line fits the terminal, no escape sequence leaks into
# the text, the keys switch views, show help and quit.  The captured screen is
# printed in the log (it is the README's sample).
# vms: 1
# timeout: 300
# shellcheck shell=sh
. /tests/lib/appliance.inc
. /tests/lib/vhost.inc
command -v tmux >/dev/null || skip "tmux is not in the initramfs (install it on the build machine)"
rxe_up
appliance_start --memory 64M --chunk-size 1M --no-hugepages
rmem-testclient -a "$RMEM_MY_IP" -D 11 hold -n 6 --renew-ms 500 >/tmp/hold.a 2>&1 &
pa=$!
rmem-testclient -a "$RMEM_MY_IP" -D 22 hold -n 5 --renew-ms 500 >/tmp/hold.b 2>&1 &
pb=$!
wait_for_line /tmp/hold.a '^holding' 60 || fail "holder A did not start"
wait_for_line /tmp/hold.b '^holding' 60 || fail "holder B did not start"
vhost_load
modprobe virtio_vdpa || fail "modprobe virtio_vdpa"
modprobe virtio_blk || fail "modprobe virtio_blk"
check "dev add rmem0" rmemctl dev add rmem0 capacity 64M id 0x1001 backend ram driver virtio_vdpa
check "dev add rmem1" rmemctl dev add rmem1 capacity 64M id 0x1002 backend ram driver virtio_vdpa
v0=$(vhost_disk rmem0) || fail "no disk for rmem0"
v1=$(vhost_disk rmem1) || fail "no disk for rmem1"
fio --name=a --filename=/dev/$v0 --direct=1 --ioengine=psync --rw=randrw --bs=4k --size=16M \
	--time_based --runtime=60 --eta=never --output=/tmp/fio0.log &
fio --name=b --filename=/dev/$v1 --direct=1 --ioengine=psync --rw=write --bs=64k --size=16M \
	--time_based --runtime=60 --eta=never --output=/tmp/fio1.log &

COLS=132
ROWS=30
export TERM=xterm LC_ALL=C.UTF-8
check "tmux starts rmem-top" tmux new-session -d -s top -x $COLS -y $ROWS \
	"rmem-top -D $RMEM_MY_IP 2>/tmp/top.err"
cap() { tmux capture-pane -p -t top >/tmp/screen.txt 2>/dev/null; }
# Wait (bounded) for a frame with the donor up and rates filled in.
i=0
until cap && grep -q ":7471 *UP " /tmp/screen.txt && grep -q "^rmem1 .* [0-9]*\.[0-9] " /tmp/screen.txt; do
	i=$((i + 1))
	[ $i -le 60 ] || { cat /tmp/screen.txt /tmp/top.err; fail "no complete frame within 30 s"; }
	sleep 0.5
done
sleep 2
cap
echo "----- rmem-top screen (${COLS}x${ROWS}) -----"
cat /tmp/screen.txt
echo "-----"
grep -q "^rmem-top [0-9][0-9]:[0-9][0-9]:[0-9][0-9]  refresh 1.0s" /tmp/screen.txt || fail "no header line"
[ "$(grep -c '^Pool: 1 donors (1 up, 0 down)' /tmp/screen.txt)" = 1 ] || fail "pool line missing or repeated"
[ "$(grep -c '^DONOR ' /tmp/screen.txt)" = 1 ] || fail "donor table header missing or repeated"
[ "$(grep -c '^DEVICE ' /tmp/screen.txt)" = 1 ] || fail "device table header missing or repeated"
grep -q "^$RMEM_MY_IP:7471 *UP .* 11/[0-9]* *2 .* 2 ok$" /tmp/screen.txt || fail "donor row: 11 chunks, 2 devices, 2 leases"
grep -q "^rmem0 *0000000000001001 ram " /tmp/screen.txt || fail "rmem0 row"
grep -q "^rmem1 *0000000000001002 ram " /tmp/screen.txt || fail "rmem1 row"
# No garbage: printable ASCII only, nothing wider than the terminal.
if tr -d '\n' </tmp/screen.txt | LC_ALL=C grep -q '[^ -~]'; then
	od -c /tmp/screen.txt | head -n 20
	fail "non-printable bytes on the screen"
fi
long=$(awk -v c=$COLS 'length($0) > c' /tmp/screen.txt | wc -l)
[ "$long" = 0 ] || fail "$long lines wider than $COLS columns"

# Keys: d = donors only, v = devices only, h = help, q = quit.
tmux send-keys -t top d
retry 20 0.25 sh -c "tmux capture-pane -p -t top | grep -q '^DONOR ' && ! tmux capture-pane -p -t top | grep -q '^DEVICE '" ||
	{ cap; cat /tmp/screen.txt; fail "'d' did not switch to the donor view"; }
tmux send-keys -t top v
retry 20 0.25 sh -c "tmux capture-pane -p -t top | grep -q '^DEVICE ' && ! tmux capture-pane -p -t top | grep -q '^DONOR '" ||
	{ cap; cat /tmp/screen.txt; fail "'v' did not switch to the device view"; }
tmux send-keys -t top s
retry 20 0.25 sh -c "tmux capture-pane -p -t top | grep -q ' sort used '" || fail "'s' did not change the sort"
tmux send-keys -t top h
retry 20 0.25 sh -c "tmux capture-pane -p -t top | grep -q '^Keys:'" || fail "'h' did not show the help"
tmux send-keys -t top x
retry 20 0.25 sh -c "! tmux capture-pane -p -t top | grep -q '^Keys:'" || fail "a key did not leave the help"
tmux send-keys -t top q
retry 40 0.25 sh -c "! tmux has-session -t top 2>/dev/null" || fail "'q' did not quit rmem-top"
[ -s /tmp/top.err ] && { cat /tmp/top.err; fail "rmem-top wrote errors"; }

kill $pa $pb
wait $pa $pb 2>/dev/null
appliance_stop
pass
