# Two toolstacks for live migration, each in a network namespace of its
# own joined by a veth pair (sourced by 68-migrate.sh and
# bench/68-migrate.sh, after lib.sh and toolstack_paths).
#   mig_netns: makes $NSA and $NSB (addresses $IPA and $IPB), removed on exit
#   mig_side NAME NS KETCHD-ARGS...: ketch-hv, ketch-xenstored and ketchd
#     in NS, their files in $TMP/NAME; ketchd's pid in $KD_NAME
#   mig_on SIDE NAME: the domid SIDE's ketchd lists for NAME (empty: none)
NSA=kmig-a-$$
NSB=kmig-b-$$
VA=kma$$
VB=kmb$$
IPA=10.231.$(($$ % 200)).1
IPB=10.231.$(($$ % 200)).2

mig_netns() {
	ip netns add "$NSA" && ip netns add "$NSB" || return 1
	on_exit "ip netns del $NSA"
	on_exit "ip netns del $NSB"
	ip link add "$VA" type veth peer name "$VB" &&
		ip link set "$VA" netns "$NSA" && ip link set "$VB" netns "$NSB" &&
		ip -n "$NSA" addr add "$IPA/24" dev "$VA" && ip -n "$NSB" addr add "$IPB/24" dev "$VB" &&
		ip -n "$NSA" link set "$VA" up && ip -n "$NSB" link set "$VB" up &&
		ip -n "$NSA" link set lo up && ip -n "$NSB" link set lo up
}

# up SECONDS COMMAND...: true once COMMAND succeeds, within SECONDS (unscaled:
# a daemon's start costs the same in the emulated VM)
up() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do "${@:2}" && return 0; sleep 0.1; done
	return 1
}

mig_side() {
	local n=$1 ns=$2 d=$TMP/$1
	shift 2
	mkdir -p "$d/logs" "$d/run"
	ip netns exec "$ns" "$BIN/ketch-hv" --socket "$d/hv.sock" 2>"$d/hv.log" &
	disown # killed at the end: no "Killed" line
	on_exit "kill -9 $!"
	up 60 test -S "$d/hv.sock" || { echo "$n: no ketch-hv"; return 1; }
	ip netns exec "$ns" "$BIN/ketch-xenstored" --socket "$d/xs.sock" \
		--hv-socket "$d/hv.sock" 2>"$d/xs.log" &
	disown
	on_exit "kill -9 $!"
	up 60 test -S "$d/xs.sock" || { echo "$n: no ketch-xenstored"; return 1; }
	ip netns exec "$ns" "$BIN/ketchd" --socket "$d/run/ketchd.sock" --hv-socket "$d/hv.sock" \
		--xenstore "$d/xs.sock" --log-dir "$d/logs" "$@" 2>>"$d/kd.log" &
	eval "KD_$n=$!"
	on_exit "kill -TERM $!"
	up 60 timeout 5 "$BIN/ketch" --socket "$d/run/ketchd.sock" list >/dev/null 2>&1 ||
		{ echo "$n: ketchd does not answer"; return 1; }
}

mig_on() { # a word that is no domid when SIDE's ketchd does not answer
	local j
	j=$("$BIN/ketch" --socket "$TMP/$1/run/ketchd.sock" list --json) ||
		{ echo "no-answer-from-$1"; return 1; }
	echo "$j" | python3 -c 'import json,sys
print(next((str(d["domid"]) for d in json.load(sys.stdin) if d["name"]==sys.argv[1]), ""))' "$2"
}
