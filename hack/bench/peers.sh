#!/usr/bin/env bash
# peers.sh times opsloop check against kube-linter, Conftest and Trivy's
# misconfiguration scan on one corpus (hack/bench/make-corpus.sh builds it)
# and prints a Markdown table.
#
# Every tool runs on the whole corpus in one process, writing a JSON report
# to a file. The corpus and the binaries are read once to warm the page
# cache; then each configuration runs once to warm up and REPS times
# measured (SLOW_REPS times in all for slow ones); the table has the median
# wall time, the median peak RSS and the median CPU use (100 % is one core
# busy) as measured by GNU time. "× opsloop" is
# the tool's wall time divided by that of the opsloop run it compares with:
# all built-in rules for the linters, the same Rego policies for Conftest.
#
# Usage: hack/bench/peers.sh [CORPUS]     (default /tmp/bench-corpus)
#
# Environment:
#   OPSLOOP       opsloop binary (default bin/opsloop; build it with make build)
#   KUBE_LINTER   kube-linter binary (default /tmp/peers/bin/kube-linter)
#   CONFTEST      conftest binary (default /tmp/peers/bin/conftest)
#   TRIVY         trivy binary (default /tmp/peers/bin/trivy; SKIP_TRIVY=1 skips it)
#   CONFTEST_EXAMPLE  Conftest's examples/kubernetes/policy directory
#                 (default /tmp/peers/conftest/examples/kubernetes/policy)
#   POLICIES      the 50-policy Rego set (default hack/bench/policies)
#   REPS          measured runs per configuration (default 5)
#   SLOW_REPS     runs in all, warm-up included, for configurations whose
#                 warm-up run took more than 30 s (default 3)
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus=${1:-/tmp/bench-corpus}
opsloop=${OPSLOOP:-$root/bin/opsloop}
kube_linter=${KUBE_LINTER:-/tmp/peers/bin/kube-linter}
conftest=${CONFTEST:-/tmp/peers/bin/conftest}
trivy=${TRIVY:-/tmp/peers/bin/trivy}
example=${CONFTEST_EXAMPLE:-/tmp/peers/conftest/examples/kubernetes/policy}
policies=${POLICIES:-$root/hack/bench/policies}
reps=${REPS:-5}
slow_reps=${SLOW_REPS:-3}

for b in "$opsloop" "$kube_linter" "$conftest"; do
  [[ -x $b ]] || { echo "peers.sh: $b: not found or not executable" >&2; exit 2; }
done
if [[ -z ${SKIP_TRIVY:-} && ! -x $trivy ]]; then
  echo "peers.sh: $trivy: not found (set SKIP_TRIVY=1 to skip Trivy)" >&2
  exit 2
fi
[[ -d $corpus ]] || { echo "peers.sh: $corpus: no corpus; run hack/bench/make-corpus.sh" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

files=$(find "$corpus" -type f | wc -l)
docs=$(find "$corpus" -type f -print0 | xargs -0 grep -c '^kind:' | awk -F: '{ n += $NF } END { print n + 0 }')

# opsloop with no built-in rule: a config that disables every rule ID.
{
  echo 'check:'
  echo '  disable:'
  "$opsloop" rules --format json | grep -o '"id": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/    - \1/'
} >"$tmp/no-builtin.yaml"

# Warm the page cache: the corpus, the policies and the binaries.
find "$corpus" "$policies" "$example" -type f -print0 | xargs -0 cat >/dev/null
cat "$opsloop" "$kube_linter" "$conftest" >/dev/null
[[ -n ${SKIP_TRIVY:-} ]] || cat "$trivy" >/dev/null

echo "corpus: $corpus: $files files, $docs documents; $(nproc) CPUs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

declare -A wall rss cpu count

# measure KEY OUTFILE COUNTER CMD... runs CMD (stdout to OUTFILE) once to
# warm up and then n times, keeping the medians. Exit status 0 and 1 are
# both success (1 means findings). COUNTER names a function that prints the
# number of findings in OUTFILE.
measure() {
  local key=$1 out=$2 counter=$3
  shift 3
  local n=$reps i rc
  : >"$tmp/$key.times"
  for ((i = 0; i <= n; i++)); do
    rc=0
    /usr/bin/time -f '%e %M %P' -o "$tmp/time" "$@" >"$out" 2>"$tmp/$key.err" || rc=$?
    if ((rc > 1)); then
      echo "peers.sh: $key: exit status $rc:" >&2
      tail -5 "$tmp/$key.err" >&2
      return 1
    fi
    if ((i == 0)); then
      # A configuration slower than 30 s gets SLOW_REPS runs in all, its
      # warm-up run included (the page cache is warm already).
      if tail -1 "$tmp/time" | awk '{ exit !($1 + 0 > 30) }'; then
        n=$((slow_reps - 1))
        tail -1 "$tmp/time" >>"$tmp/$key.times"
      fi
      continue
    fi
    tail -1 "$tmp/time" >>"$tmp/$key.times"
  done
  wall[$key]=$(sort -n -k1,1 "$tmp/$key.times" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
  rss[$key]=$(sort -n -k2,2 "$tmp/$key.times" | awk '{ a[NR] = $2 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
  cpu[$key]=$(tr -d '%' <"$tmp/$key.times" | sort -n -k3,3 | awk '{ a[NR] = $3 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
  count[$key]=$("$counter" "$out")
  echo "$key: runs (s KiB CPU): $(tr '\n' ',' <"$tmp/$key.times" | sed 's/,$//; s/,/, /g'); findings: ${count[$key]}" >&2
}

count_opsloop() { grep -o '"findings": *[0-9]*' "$1" | head -1 | grep -o '[0-9]*$'; }
count_opsloop_text() { grep -c '^ *[0-9][0-9]*:[0-9][0-9]* ' "$1" || true; }
count_kube_linter() { grep -o '"Check": *"' "$1" | wc -l; }
count_conftest() { grep -o '"msg": *"' "$1" | wc -l; }
count_trivy() { grep -o '"Status": *"FAIL"' "$1" | wc -l; }

measure opsloop "$tmp/opsloop.json" count_opsloop \
  "$opsloop" check --format json "$corpus"
# The same run with the text report, to show what the JSON report costs.
measure opsloop_text "$tmp/opsloop.txt" count_opsloop_text \
  "$opsloop" check --format text --color never "$corpus"
measure kl_default "$tmp/kl.json" count_kube_linter \
  "$kube_linter" lint --format json "$corpus"
# schema-validation (kubeconform) downloads JSON schemas at run time: without
# network it retries for minutes, so it is left out.
measure kl_all "$tmp/kl-all.json" count_kube_linter \
  "$kube_linter" lint --add-all-built-in --exclude schema-validation --format json "$corpus"
measure conftest_example "$tmp/cf-example.json" count_conftest \
  "$conftest" test --no-color -o json -p "$example" "$corpus"
measure opsloop_example "$tmp/op-example.json" count_opsloop \
  "$opsloop" check --config "$tmp/no-builtin.yaml" --format json -p "$example" "$corpus"
measure conftest_50 "$tmp/cf-50.json" count_conftest \
  "$conftest" test --no-color -o json --all-namespaces -p "$policies" "$corpus"
measure opsloop_50 "$tmp/op-50.json" count_opsloop \
  "$opsloop" check --config "$tmp/no-builtin.yaml" --format json --all-namespaces -p "$policies" "$corpus"
measure opsloop_50_builtin "$tmp/op-50b.json" count_opsloop \
  "$opsloop" check --format json --all-namespaces -p "$policies" "$corpus"
if [[ -z ${SKIP_TRIVY:-} ]]; then
  # No network: --skip-check-update keeps Trivy from pulling the checks
  # bundle; with an empty cache it falls back to the checks embedded in the
  # binary. The cache directory is private to this run.
  measure trivy "$tmp/trivy.json" count_trivy \
    "$trivy" config --quiet --skip-check-update --skip-version-check --cache-dir "$tmp/trivy-cache" --format json "$corpus"
fi

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# row KEY TOOL CONFIG BASE prints one table row; BASE is the opsloop key
# the ratio compares with (empty: no ratio).
row() {
  local key=$1 tool=$2 conf=$3 base=$4 ratio="—"
  [[ -n ${wall[$key]:-} ]] || return 0
  if [[ -n $base && $key != "$base" ]]; then
    ratio=$(awk -v a="${wall[$key]}" -v b="${wall[$base]}" 'BEGIN { printf "%.1f×", a / b }')
  elif [[ -n $base ]]; then
    ratio="1.0×"
  fi
  awk -v tool="$tool" -v conf="$conf" -v w="${wall[$key]}" -v r="${rss[$key]}" -v p="${cpu[$key]}" -v f="$files" -v d="$docs" -v c="${count[$key]}" -v ratio="$ratio" \
    'BEGIN { printf "| %s | %s | %.2f | %.0f | %.0f | %.0f | %.0f | %s | %s |\n", tool, conf, w, f / w, d / w, r / 1024, p, c, ratio }'
}

echo "| Tool | Configuration | Wall s | Files/s | Docs/s | Peak RSS MiB | CPU % | Findings | × opsloop |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
row opsloop opsloop "check, all built-in rules" opsloop
row opsloop_text opsloop "check, all built-in rules, text report" opsloop
row kl_default kube-linter "lint, default checks" opsloop
row kl_all kube-linter "lint --add-all-built-in (without schema-validation)" opsloop
row trivy Trivy "config (embedded checks)" opsloop
row opsloop_example opsloop "Conftest example policy, built-in rules disabled" opsloop_example
row conftest_example Conftest "test, example policy" opsloop_example
row opsloop_50 opsloop "--all-namespaces, 50 policies, built-in rules disabled" opsloop_50
row opsloop_50_builtin opsloop "--all-namespaces, 50 policies + all built-in rules" opsloop_50
row conftest_50 Conftest "test --all-namespaces, 50 policies" opsloop_50
