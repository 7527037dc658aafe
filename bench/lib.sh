# Shared helpers for the bench scripts (sourced).
# val TEXT KEY: the value of the "KEY VALUE" line in TEXT.
val() { echo "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
# kv TEXT PREFIX KEY: the value of the "PREFIX KEY=VALUE" line in TEXT.
kv() { echo "$1" | sed -n "s/.*$2 $3=//p" | tail -1; }
# row NAME VALUE UNIT FLOOR FLOOR-NAME: a figure beside its floor and
# their ratio (figure / floor).
row() {
	awk -v n="$1" -v v="$2" -v u="$3" -v f="$4" -v fn="$5" 'BEGIN {
		r = (f > 0) ? sprintf("%.2f", v / f) : "n/a";
		printf "%-44s %10.2f %-6s %10.2f  %-6s x%-6s (floor: %s)\n", n, v, u, f, u, r, fn }'
}
# header: the column titles above the rows.
header() { printf '%-44s %10s %-6s %10s  %-6s %-7s\n' figure ketch unit floor unit ratio; }
