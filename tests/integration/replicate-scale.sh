#!/bin/bash
# replicate-scale: smoke test of bench/replicate-scale.py on a tiny tree
# (400 messages in 12 folders), in its own network namespace (the bench
# uses fixed ports on 127.0.0.1): it must run every step - generation,
# initial sync, footprint, catch-up after the replica was down, startup -
# and both copies must equal the source.  The figures of a tree this small
# mean nothing; the full-size run is bench/replicate-scale.py.
NT_NAME=replicate-scale
source "$(dirname "$0")/lib.sh"
command -v rsync >/dev/null || { echo "SKIP: rsync not installed"; exit 77; }
[ -x "$HB_BUILD/replicate/replicate" ] || nt_fail "build first: no replicate/replicate"
nt_init
nt_node box 10.67.0.1/24
out=$NT_TMP/scale.out
cd "$HB_BUILD" || nt_fail "no build dir"
REPLICATE_BIN=$HB_BUILD/replicate/replicate nt_exec box timeout 120 python3 "$HB_TOP/bench/replicate-scale.py" \
	--messages 400 --folders 12 --attach-pct 1 --quick --dir "$NT_TMP" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] || nt_fail "scale bench failed (rc $rc)"
for step in "^tree: 400 messages in 12 folders" "^initial sync " "^source daemon .* inotify watches [1-9]" \
	"^changes .* 40 new, 40 flag renames, 10 deletes" "^catch-up " "^startup " \
	"^copies equal to the source: replicate True, rsync True" "^targets: "; do
	grep -q "$step" "$out" || nt_fail "missing from the output: $step"
done
# the same seed gives the same tree (names, sizes and content); another
# seed does not
gen() { python3 "$HB_TOP/bench/replicate-scale.py" --messages 400 --folders 12 --attach-pct 1 \
	--seed "$1" --generate-only "$2" | grep -o "digest [0-9a-f]*"; }
d1=$(gen 7 "$NT_TMP/g1") d2=$(gen 7 "$NT_TMP/g2") d3=$(gen 8 "$NT_TMP/g3")
[ -n "$d1" ] && [ "$d1" = "$d2" ] || nt_fail "same seed, different trees ($d1 / $d2)"
[ "$d1" != "$d3" ] || nt_fail "another seed gave the same tree"
(cd "$NT_TMP/g1" && find . -type f -exec md5sum {} + | sort) >"$NT_TMP/g1.sum"
(cd "$NT_TMP/g2" && find . -type f -exec md5sum {} + | sort) >"$NT_TMP/g2.sum"
cmp -s "$NT_TMP/g1.sum" "$NT_TMP/g2.sum" || nt_fail "same seed, different content"
rm -rf "$NT_TMP"/g1 "$NT_TMP"/g2 "$NT_TMP"/g3
nt_pass "scale bench runs end to end on a small tree; generation is deterministic ($d1)"
