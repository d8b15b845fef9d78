# Only hosts that prove the rack key reach a donor.  One VM: a donor with
# the run's key (/etc/rmem/rack.key), rmem-testclient and the host module as
# hosts.
#  - the client with no key, with a wrong key, and replaying an exchange
#    that once succeeded: each refused with its reason (auth required,
#    auth failed, auth stale), counted (stats refused_auth), no rkey;
#    a client whose key file is missing refuses to connect at all;
#  - rotation: the donor's file gets a second key and SIGHUP: old and new
#    both admitted; the file keeps only the new one, SIGHUP: old refused;
#  - the module with the key connects; with a wrong key, or none, a new
#    device is refused with the reason in dmesg while the connected one
#    keeps working; without a key it connects nowhere unless insecure=1;
#    with a key it refuses a donor run --insecure (which cannot prove the
#    key back); without one and insecure=1, it uses that donor; the key is
#    refused on the module's command line.
# vms: 1
# timeout: 600
# shellcheck shell=sh
. /tests/lib/vhost.inc
. /tests/lib/appliance.inc
key=/etc/rmem/rack.key
[ -f $key ] || fail "no $key in the test initramfs"
umask 077
newkey() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; echo; }
newkey >/tmp/wrong.key
newkey >/tmp/new.key

vhost_donor_here 64M
id=$(sed -n 's/.*hosts must prove rack key(s) \([0-9a-f]*\).*/\1/p' "$RMEM_APP_LOG" | head -n1)
[ -n "$id" ] || { cat "$RMEM_APP_LOG"; fail "the donor does not name the key it checks"; }
refused=$(stat_of refused_auth)
accepted=$(stat_of auth_accepted)

# --- rmem-testclient as the host
check "no key: refused" tc auth --mode no-key
check "wrong key: refused" tc auth --mode wrong-key --key-file /tmp/wrong.key
check "replayed exchange: refused" tc auth --mode replay
# A client whose key file is missing does not fall back to an unproved connect.
tc --key-file /nonexistent.key info >/tmp/nokey 2>&1 && fail "a client without its key file connected"
grep -q "no rack key file /nonexistent.key" /tmp/nokey || { cat /tmp/nokey; fail "the missing key file is not named"; }
# stat_reaches NAME MIN: the donor's published counter reaches MIN (it
# refreshes its stats about once a second).
stat_reaches() {
	_i=0
	until [ "$(stat_of "$1")" -ge "$2" ] || [ $_i -ge 25 ]; do
		_i=$((_i + 1))
		sleep 0.2
	done
	[ "$(stat_of "$1")" -ge "$2" ]
}
stat_reaches refused_auth $((refused + 3)) ||
	fail "3 refusals, refused_auth moved $(($(stat_of refused_auth) - refused))"
stat_reaches auth_accepted $((accepted + 1)) || fail "auth_accepted did not move"
# reload: SIGHUP, then the donor's line for that reload (bounded).
reload() {
	_n=$(grep -c "SIGHUP: reloaded" "$RMEM_APP_LOG")
	kill -HUP "$RMEM_APP_PID"
	_i=0
	while [ "$(grep -c "SIGHUP: reloaded" "$RMEM_APP_LOG")" = "$_n" ] && [ $_i -lt 50 ]; do
		_i=$((_i + 1))
		sleep 0.2
	done
	grep "SIGHUP: reloaded" "$RMEM_APP_LOG" | tail -n1 | grep -q "rack key(s) $1\$" ||
		{ tail -n 5 "$RMEM_APP_LOG"; fail "the donor did not reload to key(s) $1"; }
}
cp $key /tmp/old.key
cat /tmp/new.key >>$key
reload "$id, [0-9a-f]*"
check "rotation: the old key admitted" tc auth --mode good --key-file /tmp/old.key
check "rotation: the new key admitted" tc auth --mode good --key-file /tmp/new.key
cp /tmp/new.key $key
reload "[0-9a-f]*"
grep "SIGHUP: reloaded" "$RMEM_APP_LOG" | tail -n1 | grep -q "$id" && fail "the old key is still accepted after rotation"
check "after rotation: the old key refused" tc auth --mode wrong-key --key-file /tmp/old.key
check "after rotation: the new key admitted" tc auth --mode good --key-file /tmp/new.key
cp /tmp/old.key $key
reload "$id"

# --- the host module
vhost_rdma_disk rmem0 $((16 << 20)) 0x1091
[ "$(cat /sys/module/vhost_rmem/parameters/rack_key)" = "$id" ] ||
	fail "the module shows key '$(cat /sys/module/vhost_rmem/parameters/rack_key)', the donor checks $id"
dmesg | grep -q "vhost_rmem: rack key $id loaded" || fail "no 'rack key $id loaded' in dmesg"
check "rmem0 connected with the key" vhost_wait_connected rmem0 10
dd if=/dev/urandom of=/tmp/pattern bs=64k count=1 2>/dev/null
check "write through the authenticated device" dd if=/tmp/pattern of=/dev/$vd bs=64k count=1 oflag=direct
rmem0_disk=$vd

# refused_new NAME ID WHY: a new device on the donor does not connect
# within 5 s, and dmesg says WHY.
refused_new() {
	vhost_dev_new rdma "$1" $((16 << 20)) "$2"
	vhost_bind "$1" virtio_vdpa
	vhost_wait_connected "$1" 5 && fail "$1 connected: $3 expected"
	dmesg | grep -q "$3" || { dmesg | tail -n 20; fail "dmesg does not say '$3'"; }
	check "vdpa dev del $1" vdpa dev del "$1"
}
cat /tmp/wrong.key >/sys/module/vhost_rmem/parameters/rack_key || fail "load the wrong key"
r=$(stat_of refused_auth)
refused_new rmem1 0x1092 "rejected the connection: wrong rack key"
stat_reaches refused_auth $((r + 1)) || fail "the module's wrong key was not counted"
echo >/sys/module/vhost_rmem/parameters/rack_key || fail "clear the key"
[ "$(cat /sys/module/vhost_rmem/parameters/rack_key)" = none ] || fail "the key was not cleared"
# Without a key the host does not connect at all, unless told to (labs).
refused_new rmem2 0x1093 "no rack key loaded"
echo 1 >/sys/module/vhost_rmem/parameters/insecure || fail "set insecure"
refused_new rmem2 0x1093 "admits authenticated hosts only"
check "the device connected before the key changed still works" \
	dd if=/dev/$rmem0_disk of=/tmp/back bs=64k count=1 iflag=direct
cmp -s /tmp/pattern /tmp/back || fail "data differs on the device connected before the change"
cat $key >/sys/module/vhost_rmem/parameters/rack_key || fail "load the key again"

# A donor run --insecure on another port: a keyed host refuses it.
echo "=== rmem-appliance --insecure --port 7472" >>"$RMEM_APP_LOG"
rmem-appliance --listen "$RMEM_MY_IP" --port 7472 --memory 32M --chunk-size 1M --no-hugepages \
	--insecure >/tmp/insecure.log 2>&1 &
insecure=$!
check "the insecure donor serves" retry 50 0.2 rmem-testclient -a "$RMEM_MY_IP" -p 7472 --insecure -t 3000 info
grep -q INSECURE /tmp/insecure.log || { cat /tmp/insecure.log; fail "the insecure donor does not say so"; }
vhost_dev_new rdma rmem3 $((16 << 20)) 0x1094
echo "$RMEM_MY_IP:7472" >/sys/bus/vdpa/devices/rmem3/rmem/donor || fail "point rmem3 at :7472"
vhost_bind rmem3 virtio_vdpa
vhost_wait_connected rmem3 5 && fail "a keyed host used a donor that cannot prove the key"
dmesg | grep -q "admitted this host without a challenge" || fail "dmesg does not say why the insecure donor was refused"
check "vdpa dev del rmem3" vdpa dev del rmem3
echo >/sys/module/vhost_rmem/parameters/rack_key
vhost_dev_new rdma rmem4 $((16 << 20)) 0x1095
echo "$RMEM_MY_IP:7472" >/sys/bus/vdpa/devices/rmem4/rmem/donor || fail "point rmem4 at :7472"
vhost_bind rmem4 virtio_vdpa
check "a host without a key uses the insecure donor" vhost_wait_connected rmem4 10
check "vdpa dev del rmem4" vdpa dev del rmem4
kill $insecure
wait $insecure
echo 0 >/sys/module/vhost_rmem/parameters/insecure
cat $key >/sys/module/vhost_rmem/parameters/rack_key
# The key is never taken on the module's command line (ps, mod->args).
vhost_rdma_end rmem0
insmod /rmem/modules/vhost_rmem.ko rack_key="$(cat $key)" 2>/dev/null &&
	fail "vhost_rmem took the rack key on its command line"
dmesg | grep -q "rack_key is not taken at load" || fail "no message for rack_key= at load"
pass
