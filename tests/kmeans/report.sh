#!/usr/bin/env bash
# make bench-kmeans, host side: from the guest's "KMEANS:" lines, the table
# (ratio x backend → median slowdown vs 100 % local, with min/max),
# build/bench/kmeans.json and build/bench/kmeans.png (gnuplot), with the
# published Fastswap curve as reference points.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
log=$top/build/test-logs/kmeans/kmeans.log
out=$top/build/bench
mkdir -p "$out"
[ -f "$log" ] || { echo "bench-kmeans: no guest log at $log" >&2; exit 1; }
tr -d '\r' <"$log" | grep -a '^KMEANS: ' | sed 's/^KMEANS: //' >"$out/kmeans.runs"
[ -s "$out/kmeans.runs" ] || { echo "bench-kmeans: the guest reported no runs" >&2; exit 1; }

# Baseline: median of every backend's 100 % runs (no swap is touched there).
awk -v json="$out/kmeans.json" -v dat="$out/kmeans.dat" '
function median(arr, n,   i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
	return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
{ b = $1; r = $2; s = $4
  if (!(b in seenb)) { seenb[b] = 1; bs[nb++] = b }
  if (!(r in seenr)) { seenr[r] = 1; rs[nr++] = r }
  k = b SUBSEP r; cnt[k]++; v[k, cnt[k]] = s
  if (r == 100) base[++nbase] = s }
END {
  if (!nbase) { print "bench-kmeans: no 100% runs to compare against" > "/dev/stderr"; exit 1 }
  b0 = median(base, nbase)
  for (i = 0; i < nr; i++) for (j = i + 1; j < nr; j++) if (rs[j] + 0 > rs[i] + 0) { t = rs[i]; rs[i] = rs[j]; rs[j] = t }
  printf "kmeans slowdown vs 100%% local (median, [min..max]); 100%% local = %.2f s\n", b0
  printf "%-6s", "local"; for (i = 0; i < nb; i++) printf " %-20s", bs[i]; printf "\n"
  printf "{\n  \"baseline_seconds\": %.3f,\n  \"slowdown\": {\n", b0 > json
  for (i = 0; i < nb; i++) {
    printf "    \"%s\": {", bs[i] > json; sep = ""
    for (j = 0; j < nr; j++) { k = bs[i] SUBSEP rs[j]; n = cnt[k]; if (!n) continue
      mn = 1e300; mx = 0; for (x = 1; x <= n; x++) { a[x] = v[k, x]; if (a[x] < mn) mn = a[x]; if (a[x] > mx) mx = a[x] }
      med[k] = median(a, n) / b0; lo[k] = mn / b0; hi[k] = mx / b0
      printf "%s\"%s\": %.3f", sep, rs[j], med[k] > json; sep = ", " }
    printf "}%s\n", (i < nb - 1 ? "," : "") > json }
  printf "  },\n  \"fastswap_reference\": {\"80\": 1.05, \"70\": 1.20, \"50\": 1.64, \"40\": 2.56}\n}\n" > json
  for (j = 0; j < nr; j++) {
    printf "%-6s", rs[j] "%"; line = rs[j]
    for (i = 0; i < nb; i++) { k = bs[i] SUBSEP rs[j]
      if (cnt[k]) { printf " %-20s", sprintf("%.2fx [%.2f..%.2f]", med[k], lo[k], hi[k]); line = line " " med[k] }
      else { printf " %-20s", "-"; line = line " NaN" } }
    printf "\n"; print line > dat }
  hdr = "ratio"; for (i = 0; i < nb; i++) hdr = hdr " " bs[i]; print hdr > (dat ".cols")
}' "$out/kmeans.runs"

cols=$(cat "$out/kmeans.dat.cols")
{
	echo "set terminal pngcairo size 900,560 noenhanced"
	echo "set output '$out/kmeans.png'"
	echo "set title 'kmeans slowdown vs local memory ratio (QEMU/TCG, soft-RoCE; compare lines, not absolutes)'"
	echo "set xlabel 'local memory (% of peak RSS)'; set ylabel 'slowdown vs 100% local'"
	echo "set xrange [105:35]; set grid; set key top left; set logscale y"
	printf "plot "
	n=2
	for b in ${cols#ratio }; do
		printf "'%s' using 1:%d with linespoints lw 2 title '%s', " "$out/kmeans.dat" "$n" "$b"
		n=$((n + 1))
	done
	echo "'-' using 1:2 with points pt 7 ps 1.5 lc rgb 'black' title 'Fastswap (published, bare metal)'"
	printf '80 1.05\n70 1.20\n50 1.64\n40 2.56\ne\n'
} >"$out/kmeans.gp"
if command -v gnuplot >/dev/null; then
	gnuplot "$out/kmeans.gp" && echo "plot: ${out#"$top"/}/kmeans.png"
else
	echo "bench-kmeans: gnuplot missing (make deps installs gnuplot-nox); no plot" >&2
fi
echo "json: ${out#"$top"/}/kmeans.json"
grep -a '^KMEANS-MISSING: ' "$log" | tr -d '\r' | sed 's/^KMEANS-MISSING: /backend not measured (setup failed): /' || true
