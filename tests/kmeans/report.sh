#!/usr/bin/env bash
# make bench-kmeans, host side: from the guest's "KMEANS:" lines, the table
# (ratio x backend → median slowdown vs 100 % local, with min/max),
# build/bench/kmeans.json and build/bench/kmeans.png (gnuplot), with the
# published Fastswap curve as reference points; from its "KMEANS-STATS:"
# lines, swap traffic per backend and our device's own statistics
# ("rmem_stats": merging, donor CPU, request latency) in the table and JSON.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
log=$top/build/test-logs/kmeans/kmeans.log
out=$top/build/bench
mkdir -p "$out"
[ -f "$log" ] || { echo "bench-kmeans: no guest log at $log" >&2; exit 1; }
tr -d '\r' <"$log" | grep -a '^KMEANS: ' | sed 's/^KMEANS: //' >"$out/kmeans.runs"
tr -d '\r' <"$log" | grep -a '^KMEANS-STATS: ' | sed 's/^KMEANS-STATS: //' >"$out/kmeans.stats" || true
[ -s "$out/kmeans.runs" ] || { echo "bench-kmeans: the guest reported no runs" >&2; exit 1; }
limit=$(tr -d '\r' <"$log" | sed -n 's/^KMEANS-LIMIT: //p' | head -n1)

# Baseline: median of every backend's 100 % runs (no swap is touched there).
awk -v json="$out/kmeans.json" -v dat="$out/kmeans.dat" -v limit="${limit:-memory.max}" '
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
  printf "kmeans slowdown vs 100%% local (median, [min..max]); 100%% local = %.2f s; limit: %s\n", b0, limit
  printf "%-6s", "local"; for (i = 0; i < nb; i++) printf " %-20s", bs[i]; printf "\n"
  printf "{\n  \"baseline_seconds\": %.3f,\n  \"limit\": \"%s\",\n  \"slowdown\": {\n", b0, limit > json
  for (i = 0; i < nb; i++) {
    printf "    \"%s\": {", bs[i] > json; sep = ""
    for (j = 0; j < nr; j++) { k = bs[i] SUBSEP rs[j]; n = cnt[k]; if (!n) continue
      mn = 1e300; mx = 0; for (x = 1; x <= n; x++) { a[x] = v[k, x]; if (a[x] < mn) mn = a[x]; if (a[x] > mx) mx = a[x] }
      med[k] = median(a, n) / b0; lo[k] = mn / b0; hi[k] = mx / b0
      printf "%s\"%s\": %.3f", sep, rs[j], med[k] > json; sep = ", " }
    printf "}%s\n", (i < nb - 1 ? "," : "") > json }
  printf "  },\n  \"fastswap_reference\": {\"80\": 1.05, \"70\": 1.20, \"50\": 1.64, \"40\": 2.56}" > json
  for (j = 0; j < nr; j++) {
    printf "%-6s", rs[j] "%"; line = rs[j]
    for (i = 0; i < nb; i++) { k = bs[i] SUBSEP rs[j]
      if (cnt[k]) { printf " %-20s", sprintf("%.2fx [%.2f..%.2f]", med[k], lo[k], hi[k]); line = line " " med[k] }
      else { printf " %-20s", "-"; line = line " NaN" } }
    printf "\n"; print line > dat }
  hdr = "ratio"; for (i = 0; i < nb; i++) hdr = hdr " " bs[i]; print hdr > (dat ".cols")
}' "$out/kmeans.runs"

# Counters per run (deltas over the run, from the guest):
#   pswpin/pswpout      /proc/vmstat, pages swapped in/out (every backend)
#   rd_ios/rd_ms        the swap disk's block-layer reads and the ms they took
#   requests/vq_requests/merges   virtio_rmem (/sys/block/rmemN/rmem/): block
#                       requests, virtio requests sent, requests merged into another's
#   lat=a,b,...         vhost_rmem's histogram (/sys/bus/vdpa/devices/<dev>/stats/lat_*):
#                       virtio requests handled in <= 16, 64, 256 ... 4194304 us, > 4194304 us
#   donor_ticks         the donor process's utime+stime, USER_HZ (100) ticks
# Medians over the repetitions of a point; merge ratio and percentiles over
# the point's summed counters.
[ -s "$out/kmeans.stats" ] && awk -v json="$out/kmeans.json" '
function median(arr, n,   i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
	return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
function med(k, f,   x, a) { for (x = 1; x <= cnt[k]; x++) a[x] = val[k, x, f]; return median(a, cnt[k]) }
# pct(k, q): upper bound (us) of the latency bucket holding quantile q; -1: above the last bound.
function pct(k, q,   i, tot, c) {
	tot = 0; for (i = 1; i <= nlat; i++) tot += lat[k, i]
	if (!tot) return ""
	c = 0; for (i = 1; i <= nlat; i++) { c += lat[k, i]; if (c >= q * tot) return (i < nlat ? bound[i] : -1) }
}
BEGIN { nlat = 11; bound[1] = 16; for (i = 2; i < nlat; i++) bound[i] = bound[i - 1] * 4 }
{ b = $1; r = $2
  if (!(b in seenb)) { seenb[b] = 1; bs[nb++] = b }
  if (!(r in seenr)) { seenr[r] = 1; rs[nr++] = r }
  k = b SUBSEP r; n = ++cnt[k]
  for (i = 4; i <= NF; i++) {
    split($i, kv, "="); f = kv[1]
    if (f == "lat") { m = split(kv[2], l, ","); for (j = 1; j <= m; j++) lat[k, j] += l[j]; haslat[k] = 1 }
    else { val[k, n, f] = kv[2]; sum[k, f] += kv[2]; has[k, f] = 1 }
    if (f == "peak_pct" && kv[2] != "-" && kv[2] + 0 > maxpct[k]) maxpct[k] = kv[2] + 0
  }
  wall += val[k, n, "wall_s"]; nruns++ }
END {
  for (i = 0; i < nr; i++) for (j = i + 1; j < nr; j++) if (rs[j] + 0 > rs[i] + 0) { t = rs[i]; rs[i] = rs[j]; rs[j] = t }
  printf "\nswap traffic per run (median pages in/out; mean ms per block read; highest memory.peak as %% of the limit)\n"
  printf "%-6s", "local"; for (i = 0; i < nb; i++) printf " %-27s", bs[i]; printf "\n"
  printf ",\n  \"swap\": {\n" >> json
  for (i = 0; i < nb; i++) {
    printf "    \"%s\": {", bs[i] >> json; sep = ""
    for (j = 0; j < nr; j++) { k = bs[i] SUBSEP rs[j]; if (!cnt[k]) continue
      rdms = sum[k, "rd_ios"] ? sprintf("%.3f", sum[k, "rd_ms"] / sum[k, "rd_ios"]) : "null"
      printf "%s\"%s\": {\"pswpin\": %d, \"pswpout\": %d, \"read_ms_mean\": %s, \"peak_pct_max\": %s}", sep, rs[j],
        med(k, "pswpin"), med(k, "pswpout"), rdms, (maxpct[k] ? maxpct[k] : "null") >> json; sep = ", " }
    printf "}%s\n", (i < nb - 1 ? "," : "") >> json }
  printf "  }" >> json
  for (j = 0; j < nr; j++) {
    printf "%-6s", rs[j] "%"
    for (i = 0; i < nb; i++) { k = bs[i] SUBSEP rs[j]
      if (!cnt[k]) { printf " %-27s", "-"; continue }
      printf " %-27s", sprintf("%d/%d %sms %s", med(k, "pswpin"), med(k, "pswpout"),
        sum[k, "rd_ios"] ? sprintf("%.2f", sum[k, "rd_ms"] / sum[k, "rd_ios"]) : "-", maxpct[k] ? maxpct[k] "%" : "") }
    printf "\n" }
  # Our device: rmem (rdma backend) and ram (same device, ram backend).
  dev = 0
  for (i = 0; i < nb; i++) if (bs[i] == "rmem" || bs[i] == "ram") ds[dev++] = bs[i]
  if (dev) {
    printf "\nour device (virtio_rmem + vhost_rmem): merge ratio = block requests per virtio request;\n"
    printf "request latency = vhost_rmem histogram of all virtio requests (reads and writes), x4 buckets, upper bound;\n"
    printf "read ms = guest block-layer mean per read request (vhost_rmem exposes no read-only percentiles)\n"
    printf "%-5s %-6s %9s %9s %9s %8s %9s %9s %8s\n", "dev", "local", "swapin", "swapout", "merge", "donor_s", "req_p50", "req_p99", "read_ms"
    printf ",\n  \"rmem_stats_note\": \"per point: median pswpin/pswpout and donor CPU seconds over repetitions; merge_ratio = virtio_rmem block requests / virtio requests; req_lat_*_le_us = upper bound of the vhost_rmem latency bucket (x4 buckets, reads and writes together: no read-only percentiles are exposed), -1 = above 4194304 us; read_ms_mean = guest block-layer mean per read request\",\n  \"rmem_stats\": {\n" >> json
    for (d = 0; d < dev; d++) {
      printf "    \"%s\": {", ds[d] >> json; sep = ""
      for (j = 0; j < nr; j++) { k = ds[d] SUBSEP rs[j]; if (!cnt[k]) continue
        mr = sum[k, "vq_requests"] ? sprintf("%.3f", sum[k, "requests"] / sum[k, "vq_requests"]) : "null"
        dn = has[k, "donor_ticks"] ? sprintf("%.2f", med(k, "donor_ticks") / 100) : "null"
        p50 = pct(k, 0.5); p99 = pct(k, 0.99)
        rdms = sum[k, "rd_ios"] ? sprintf("%.3f", sum[k, "rd_ms"] / sum[k, "rd_ios"]) : "null"
        printf "%s\"%s\": {\"pswpin\": %d, \"pswpout\": %d, \"requests\": %d, \"vq_requests\": %d, \"merges\": %d, \"merge_ratio\": %s, \"donor_cpu_s\": %s, \"req_lat_p50_le_us\": %s, \"req_lat_p99_le_us\": %s, \"read_ms_mean\": %s}",
          sep, rs[j], med(k, "pswpin"), med(k, "pswpout"), med(k, "requests"), med(k, "vq_requests"), med(k, "merges"),
          mr, dn, (p50 == "" ? "null" : p50), (p99 == "" ? "null" : p99), rdms >> json; sep = ", "
        printf "%-5s %-6s %9d %9d %9s %8s %9s %9s %8s\n", ds[d], rs[j] "%", med(k, "pswpin"), med(k, "pswpout"), mr,
          (dn == "null" ? "-" : dn), (p50 == "" ? "-" : (p50 < 0 ? ">4.2s" : "<=" p50 "us")),
          (p99 == "" ? "-" : (p99 < 0 ? ">4.2s" : "<=" p99 "us")), (rdms == "null" ? "-" : rdms) }
      printf "}%s\n", (d < dev - 1 ? "," : "") >> json }
    printf "  }" >> json
  }
  printf ",\n  \"runs\": %d,\n  \"runs_wall_seconds\": %.1f" , nruns, wall >> json
  printf "\n%d runs, %.0f s of kmeans processes (generation included; setup and boot not)\n", nruns, wall
}' "$out/kmeans.stats"
printf '\n}\n' >>"$out/kmeans.json"

cols=$(cat "$out/kmeans.dat.cols")
{
	echo "set terminal pngcairo size 900,560 noenhanced"
	echo "set output '$out/kmeans.png'"
	echo "set title 'kmeans slowdown vs local memory ratio (QEMU/TCG, soft-RoCE; compare lines, not absolutes)'"
	echo "set xlabel 'local memory (% of peak RSS, cgroup ${limit:-memory.max})'; set ylabel 'slowdown vs 100% local'"
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
missing=$(tr -d '\r' <"$log" | sed -n 's/^KMEANS-MISSING: //p' | tr '\n' ' ')
if [ -n "$missing" ]; then
	echo "bench-kmeans: FAILED: backends not measured (setup failed; see $log): $missing" >&2
	exit 1
fi
