#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# PV networking through the toolstack, in a network namespace made here:
# real ketch-hv, ketch-xenstored and ketchd (--create-bridge).  Hostile
# vif configs are refused by name with nothing left behind; the netecho
# guest gets its vif from an xl config (mac, bridge, rate, ip), ketchd
# writes libxl's vif layout (checked key by key, with permissions) and
# starts ketch-netback before the guest runs; the host pings the guest
# and has UDP echoed through the bridge.  ketch-netback killed with
# SIGKILL is restarted by ketchd, the guest's netfront follows it (the
# new backend says Closed, the frontend connects again) and ping and UDP
# work again.  network-attach on the running domain gives the guest a
# second interface (netecho watches device/vif) that answers ping and
# UDP; network-list's columns; network-detach by devid and by mac: the
# frontend closes at once (not forced at the timeout), and the nodes, the
# backend and its TAP go; a JSON config's vifs get devids and macs by
# default; destroy leaves nothing.
. "$(dirname "$0")/lib.sh"
in_netns ketch-net84 "$0" "$@"

toolstack_paths
BR=ketchbr0 HOST_IP=10.0.0.1 GUEST_IP=10.0.0.2 GUEST_IP1=10.0.0.3 MAC=00:16:3e:01:02:03
xs() { xenstore-read "$1" 2>/dev/null; }
be_state_is() { [ "$(xs "/local/domain/0/backend/vif/$1/$2/state")" = "$3" ]; }
nb_pid() { K network-list "$1" --json | jget "vifs.$2.backend_pid"; }
no_link() { ! ip link show "$1" >/dev/null 2>&1; }
in_bridge() { ip -d link show "$1" 2>/dev/null | grep -q "master $BR"; }
show_on_failure "$TMP/kd.log" "$TMP/hv.log"

# --- daemons -----------------------------------------------------------------
ip link set lo up
start_toolstack --create-bridge
cp "$GUESTS/netecho" "$GUESTS/shutdown_watch" "$TMP/"

# --- hostile vifs: refused by name, nothing left behind -----------------------
reject() { # DESCRIPTION VIFS-JSON MESSAGE
	echo "{\"name\":\"bad\",\"kernel\":\"shutdown_watch\",\"vifs\":[$2]}" >bad.json
	out=$(K create bad.json 2>&1)
	expect_eq "$1: exit 5" 5 "$?"
	expect_eq "$1: message" "ketch: create: $3" "$out"
}
reject "a multicast mac" '{"mac":"01:00:5e:00:00:01"}' \
	'vifs: vif 0: mac is a multicast address (the first byte'"'"'s low bit is set); a vif needs a unicast one: "01:00:5e:00:00:01"'
reject "an all-zero mac" '{"mac":"00:00:00:00:00:00"}' 'vifs: vif 0: mac must not be all zeros'
reject "a bridge name too long" '{"bridge":"bridge-name-too-long"}' \
	'vifs: vif 0: bridge must be 1 to 15 characters (a network device name), not "bridge-name-too-long"'
reject "a bridge name with a slash" '{"bridge":"br/0"}' \
	"vifs: vif 0: bridge may hold only letters, digits, '_', '.' and '-': \"br/0\""
reject "a rate xl would refuse" '{"rate":"10mb/s"}' \
	"vifs: vif 0: rate \"10mb/s\": invalid rate in \`10mb/s' (xl's syntax: N{B,b,KB,Kb,MB,Mb,GB,Gb}/s[@N{s,ms,us}])"
reject "an interval xl would refuse" '{"rate":"10Mb/s@5x"}' \
	"vifs: vif 0: rate \"10Mb/s@5x\": invalid replenishment interval in \`5x' (xl's syntax: N{B,b,KB,Kb,MB,Mb,GB,Gb}/s[@N{s,ms,us}])"
reject "two vifs with one mac" '{"mac":"00:16:3e:00:00:07"},{"mac":"00:16:3e:00:00:07"}' \
	'vifs: vif 1: mac 00:16:3e:00:00:07 is vif 0'"'"'s too'
reject "an MTU too large for a page" '{"mtu":9000}' 'vifs: vif 0: mtu must be an integer from 68 to 4082'
printf 'name = "badxl"\nkernel = "shutdown_watch"\nvif = [ "bridge=%s, script=vif-route" ]\n' $BR >bad.cfg
out=$(K create bad.cfg 2>&1)
expect_eq "xl: another script: exit 5" 5 "$?"
expect_eq "xl: says why" "ketch: create: vifs: \"bridge=$BR, script=vif-route\" is not a vif spec Ketch can honour: script=: ketch-netback does vif-bridge's work itself; no other script is run" "$out"
printf 'name = "badxl"\nkernel = "shutdown_watch"\nvif = [ "bridge=%s,,mac=00:16:3e:00:00:01" ]\n' $BR >bad.cfg
expect_match "xl: an empty setting is refused" 'an empty setting \(two commas, or one at an end\)$' "$(K create bad.cfg 2>&1)"
expect_eq "nothing was created" "" "$(HVCTL list | tail -n +2)"
check "no vif left in xenstore" xs_missing /local/domain/0/backend/vif
expect_eq "no TAP or bridge was made" "" "$(ip -o link show | grep -E "vif|$BR")"
expect_eq "no ketch-netback runs" "" "$(pgrep -x ketch-netback)"

# --- a vif from an xl config: the layout, before the guest runs ---------------
cat >n1.cfg <<CFG
name = "n1"
kernel = "netecho"
memory = 32
on_poweroff = "preserve"
cmdline = "ip=$GUEST_IP/24 ip1=$GUEST_IP1/24 gw=$HOST_IP timeout_s=$((30 * T_SCALE)) run_s=$((120 * T_SCALE))"
vif = [ 'mac=$MAC, bridge=$BR, rate=10Mb/s@20ms, ip=$GUEST_IP' ]
CFG
check "create from an xl config with a vif (paused)" quiet K create -p n1.cfg
A=$(domid_of n1)
BE=/local/domain/0/backend/vif/$A/0
FE=/local/domain/$A/device/vif/0
if ! wait_for 20 be_state_is "$A" 0 2; then
	bad "ketch-netback started before the guest runs (InitWait)"
	finish
fi
ok "ketch-netback started before the guest runs (InitWait)"
expect_eq "backend: frontend" "$FE" "$(xs $BE/frontend)"
expect_eq "backend: frontend-id" "$A" "$(xs $BE/frontend-id)"
expect_eq "backend: online" 1 "$(xs $BE/online)"
expect_eq "backend: mac" "$MAC" "$(xs $BE/mac)"
expect_eq "backend: bridge, script" "$BR vif-bridge" "$(xs $BE/bridge) $(xs $BE/script)"
expect_eq "backend: ip" "$GUEST_IP" "$(xs $BE/ip)"
expect_eq "backend: rate as libxl writes it (bytes per interval, usecs)" 25000,20000 "$(xs $BE/rate)"
expect_eq "backend: handle, type, mtu" "0 vif 1500" "$(xs $BE/handle) $(xs $BE/type) $(xs $BE/mtu)"
expect_eq "backend: netback's features" "1 1 0 0" \
	"$(xs $BE/feature-sg) $(xs $BE/feature-rx-copy) $(xs $BE/feature-rx-flip) $(xs $BE/feature-split-event-channels)"
expect_eq "backend: hotplug-status (netback's)" connected "$(xs $BE/hotplug-status)"
expect_eq "frontend: backend, backend-id, state" "$BE 0 1" "$(xs $FE/backend) $(xs $FE/backend-id) $(xs $FE/state)"
expect_eq "frontend: handle, mac, mtu" "0 $MAC 1500" "$(xs $FE/handle) $(xs $FE/mac) $(xs $FE/mtu)"
perms=$(xenstore-ls -p "$BE")
expect_match "backend owned by dom0, readable by the guest" "^mac = .*\(n0,r$A\)" "$perms"
expect_match "ketchd's nodes only: feature nodes come from netback" "^rate = .*\(n0,r$A\)" "$perms"
perms=$(xenstore-ls -p "$FE")
expect_match "frontend owned by the guest, readable by dom0" "^mac = .*\(n$A,r0\)" "$perms"
expect_match "frontend mtu: the guest reads it, dom0 owns it" "^mtu = .*\(n0,r$A\)" "$perms"
check "TAP vif$A.0 is a port of $BR" in_bridge "vif$A.0"
expect_match "the bridge was created (ketchd --create-bridge)" 'bridge' "$(ip -d link show $BR 2>&1)"
list=$(K network-list n1)
expect_eq "network-list: xl's header" "Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path" \
	"$(echo "$list" | head -1 | sed 's/ *$//')"
expect_match "network-list: before the guest connects" "^0 +0 +$MAC +0 +1 +-1 +-1/-1 +$BE *\$" "$list"
expect_eq "the config holds the vif" "$MAC" "$(K info n1 --json | jget domain.config.vifs.0.mac)"

# --- traffic through the bridge -------------------------------------------------
ip addr add "$HOST_IP/24" dev "$BR"
check "unpause" K unpause n1
if ! wait_for 60 console_has n1 "netecho: ready vif 0 mac $MAC ip $GUEST_IP"; then
	bad "netecho connected and ready"
	tail -5 "$LOGS/console-n1.log"
	finish
fi
ok "netecho connected and ready"
expect_match "network-list: connected (state 4, port, both rings)" \
	"^0 +0 +$MAC +0 +4 +[0-9]+ +[0-9]+/[0-9]+ +$BE *\$" "$(K network-list n1)"
expect_match "the host pings the guest through $BR" ' 0% packet loss' \
	"$(ping -c 3 -i 0.5 -W $((2 * T_SCALE)) "$GUEST_IP" 2>&1)"
expect_eq "UDP is echoed" same "$(netecho_udp 'hello through ketchd')"

# --- ketch-netback killed: ketchd starts it again ------------------------------
OLD=$(nb_pid n1 0)
kill -9 "$OLD"
expect_log "ketchd saw it die and restarts it" "$TMP/kd.log" \
	"d$A: vif 0: ketch-netback was killed by signal 9 after [0-9]+ ms; restarting it in [0-9]+ ms"
new_backend() { local p; p=$(nb_pid n1 0); [ -n "$p" ] && [ "$p" != "$OLD" ] && [ "$p" != 0 ]; }
check "a new ketch-netback runs" wait_for 20 new_backend
expect_eq "network-list counts the restart" 1 "$(K network-list n1 --json | jget vifs.0.restarts)"
check "its TAP is back in $BR" wait_for 20 in_bridge "vif$A.0"
# The new backend finds the frontend still Connected to the dead one: it
# says Closed, and netfront, watching the backend's state, starts over.
check "the guest's netfront connects again" wait_for 30 console_has n1 'netfront device/vif/0: connected again'
check "the new backend is Connected" wait_for 20 be_state_is "$A" 0 4
expect_log "the new backend asked the stale frontend to start over (Closed)" "$LOGS/console-n1.log" \
	'netfront device/vif/0: backend state 6, not Connected: connecting again'
ip addr replace "$HOST_IP/24" dev "$BR"
expect_match "the host pings the guest again after the restart" ' 0% packet loss' \
	"$(ping -c 3 -i 0.5 -W $((2 * T_SCALE)) "$GUEST_IP" 2>&1)"
expect_eq "UDP is echoed again after the restart" same "$(netecho_udp 'after the restart')"

# --- hotplug: network-attach to the running domain -------------------------------
out=$(K --json network-attach n1 "bridge=$BR" "mtu=1400")
expect_eq "network-attach: devid 1" 1 "$(echo "$out" | jget devid)"
M1=$(echo "$out" | jget mac)
expect_match "network-attach: a mac in Xen's OUI" '^00:16:3e:[0-7][0-9a-f](:[0-9a-f]{2}){2}$' "$M1"
BE1=/local/domain/0/backend/vif/$A/1
FE1=/local/domain/$A/device/vif/1
expect_eq "attached: backend mac, mtu, handle" "$M1 1400 1" "$(xs $BE1/mac) $(xs $BE1/mtu) $(xs $BE1/handle)"
expect_eq "attached: the guest's nodes" "$BE1 $M1 1" "$(xs $FE1/backend) $(xs $FE1/mac) $(xs $FE1/handle)"
check "its TAP vif$A.1 is a port of $BR" wait_for 10 in_bridge "vif$A.1"
expect_match "with the MTU asked for" "vif$A.1: .* mtu 1400 " "$(ip link show "vif$A.1")"
check "the running guest finds the new vif and connects it" \
	wait_for 60 console_has n1 "netecho: ready vif 1 mac $M1 ip $GUEST_IP1 udp 7"
check "its backend is Connected" wait_for 20 be_state_is "$A" 1 4
expect_match "network-list shows it connected" "^1 +0 +$M1 +1 +4 +[0-9]+ +[0-9]+/[0-9]+ +$BE1 *\$" \
	"$(K network-list n1)"
expect_match "the host pings the new interface" ' 0% packet loss' \
	"$(ping -c 3 -i 0.5 -W $((2 * T_SCALE)) "$GUEST_IP1" 2>&1)"
expect_eq "UDP is echoed on the new interface" same "$(netecho_udp 'on vif 1' "$GUEST_IP1")"
expect_eq "and still on the first" same "$(netecho_udp 'on vif 0')"
expect_eq "the config has both" 2 "$(K info n1 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["domain"]["config"]["vifs"]))')"
out=$(K network-attach n1 "mac=$MAC" 2>&1)
expect_eq "the same mac again: exit 5" 5 "$?"
expect_eq "and why" "ketch: network-attach: vifs: vif 2: mac $MAC is vif 0's too" "$out"
out=$(K network-attach n1 'rate=fast' 2>&1)
expect_eq "a bad rate: exit 5" 5 "$?"
expect_match "and why" "vif 2: rate \"fast\": invalid rate in .fast'" "$out"
out=$(K network-attach n1 'vifname=x' 2>&1)
expect_match "an xl setting Ketch cannot honour" 'vifname= is not supported$' "$out"
K network-detach n1 7 >/dev/null 2>&1
expect_eq "detach of a vif it lacks: exit 4" 4 "$?"
K network-list >/dev/null 2>&1
expect_eq "network-list without a domain: exit 2" 2 "$?"
expect_eq "no vif was left by the refusals" "0 1" "$(xenstore-list /local/domain/0/backend/vif/$A | tr '\n' ' ' | sed 's/ $//')"

# --- network-detach: by devid, then by mac; the frontend closes at once ------------
P1=$(nb_pid n1 1)
t0=$SECONDS
out=$(K --json network-detach n1 1)
expect_eq "network-detach 1: not forced (the frontend closed)" False "$(echo "$out" | jget forced)"
expect_eq "network-detach 1: well within its timeout" yes "$( ((SECONDS - t0 < 5 * T_SCALE)) && echo yes)"
check "the guest closed vif 1 (Closing, Closed, grants back)" \
	wait_for 10 console_has n1 'netecho: vif 1 closed by the backend: released'
check "its backend nodes are gone" xs_missing "$BE1"
check "the guest's nodes too" xs_missing "$FE1"
check "its backend exits" wait_for 10 gone "$P1"
check "its TAP is gone" wait_for 10 no_link "vif$A.1"
expect_eq "vif 0 still echoes" same "$(netecho_udp 'after detaching vif 1')"
P0=$(nb_pid n1 0)
t0=$SECONDS
out=$(K --json network-detach n1 "$MAC")
expect_eq "network-detach by mac: done" True "$(echo "$out" | jget ok)"
expect_eq "network-detach by mac: not forced (the frontend closed)" False "$(echo "$out" | jget forced)"
expect_eq "network-detach by mac: well within its timeout" yes "$( ((SECONDS - t0 < 5 * T_SCALE)) && echo yes)"
check "the guest closed vif 0" wait_for 10 console_has n1 'netecho: vif 0 closed by the backend: released'
check "vif 0's nodes are gone" xs_missing "$BE"
check "and backend/vif/$A" xs_missing "/local/domain/0/backend/vif/$A"
check "and device/vif/0" xs_missing "$FE"
check "its backend exits" wait_for 10 gone "$P0"
check "its TAP is gone" wait_for 10 no_link "vif$A.0"
expect_eq "network-list is empty" 1 "$(K network-list n1 | wc -l)"
expect_log "ketchd logged both, neither by force" "$TMP/kd.log" "d$A: vif 0 detached\$"
expect_eq "no detach was forced" 0 "$(grep -c 'detached by force' "$TMP/kd.log")"
check "destroy" K destroy n1

# --- a JSON config: devids and macs by default, destroy leaves nothing ----------
echo "{\"name\":\"n2\",\"kernel\":\"shutdown_watch\",\"memory\":16,\"uuid\":\"5b1c4f7e-0d5a-4e3b-9a55-2f6b8a1c9d00\",
 \"vifs\":[{\"bridge\":\"$BR\"},{\"devid\":0,\"bridge\":\"$BR\",\"mtu\":1280}]}" >n2.json
check "create with two vifs from JSON" quiet K create n2.json
B=$(domid_of n2)
cfg=$(K info n2 --json)
expect_eq "devids: the given one kept, the other the lowest free" "1 0" \
	"$(echo "$cfg" | jget domain.config.vifs.0.devid) $(echo "$cfg" | jget domain.config.vifs.1.devid)"
D0=$(echo "$cfg" | jget domain.config.vifs.1.mac)
expect_match "default macs in Xen's OUI" '^00:16:3e:' "$D0"
check "both backends wait for their frontends" wait_for 20 be_state_is "$B" 1 2
check "both backends wait for their frontends (devid 0)" wait_for 20 be_state_is "$B" 0 2
PIDS="$(nb_pid n2 0) $(nb_pid n2 1)"
check "destroy" K destroy n2
check "backend/vif/$B is gone" xs_missing "/local/domain/0/backend/vif/$B"
for p in $PIDS; do check "ketch-netback $p exits" wait_for 10 gone "$p"; done
check "their TAPs are gone" wait_for 10 bash -c "! ip link show vif$B.0 && ! ip link show vif$B.1" 2>/dev/null
check "the same uuid again" quiet K create n2.json
expect_eq "gets the same default mac (derived from uuid and devid)" "$D0" \
	"$(K info n2 --json | jget domain.config.vifs.1.mac)"

# --- stop ---------------------------------------------------------------------
kill "$KD_PID"
check "ketchd stops" wait_for 10 gone "$KD_PID"
check "no ketch-netback is left" wait_for 10 bash -c '! pgrep -x ketch-netback >/dev/null'
expect_eq "no vif is left in xenstore" "" "$(xenstore-list /local/domain/0/backend/vif 2>/dev/null)"
finish
