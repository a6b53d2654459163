#!/usr/bin/env bash
# make-corpus.sh rebuilds the Kubernetes corpus used by hack/bench/peers.sh.
#
# It takes the test manifests of three public linters, used as data only:
#   - Polaris test/checks (every YAML file except the check definitions),
#   - kube-linter tests/checks at v0.8.3,
#   - KICS assets/queries/k8s/*/test (YAML only) from github.com/Checkmarx/kics/v2@v2.2.0,
# and replicates them into numbered copies until the corpus holds at least
# MIN_DOCS Kubernetes documents. Copy 0 is the files as published; in copy N
# namespaced objects move to namespace "<ns>-rN" and cluster-scoped objects
# are renamed "<name>-rN" (see rename below), so the copies are distinct
# objects rather than byte-identical files. Nothing is rendered: no Helm, no
# Kustomize. The output is deterministic for the same sources.
#
# Usage: hack/bench/make-corpus.sh [OUT]     (default /tmp/bench-corpus)
#
# Environment:
#   MIN_DOCS           documents to reach (default 5000)
#   POLARIS_GIT        git directory of FairwindsOps/polaris (cloned when unset)
#   POLARIS_REF        commit to read (default c0e23a233b2087272a7f524f1b922f4e3f2f9689)
#   KUBE_LINTER_GIT    git directory of stackrox/kube-linter (cloned when unset)
#   KUBE_LINTER_REF    tag or commit to read (default v0.8.3)
#   KICS_VERSION       module version of github.com/Checkmarx/kics/v2 (default v2.2.0)
set -euo pipefail
export LC_ALL=C

out=${1:-/tmp/bench-corpus}
min_docs=${MIN_DOCS:-5000}
polaris_ref=${POLARIS_REF:-c0e23a233b2087272a7f524f1b922f4e3f2f9689}
kl_ref=${KUBE_LINTER_REF:-v0.8.3}
kics_version=${KICS_VERSION:-v2.2.0}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# gitdir DIR URL prints a git directory for URL, cloning it bare when DIR is empty.
gitdir() {
  if [[ -n $1 ]]; then
    echo "$1"
    return
  fi
  git clone --quiet --bare --filter=blob:none "$2" "$work/$(basename "$2").git" >&2
  echo "$work/$(basename "$2").git"
}

src=$work/src
mkdir -p "$src/polaris" "$src/kube-linter" "$src/kics"

# Polaris: test/checks/<check>/<case>.yaml; check.yaml files are check
# definitions, not manifests.
pg=$(gitdir "${POLARIS_GIT:-}" https://github.com/FairwindsOps/polaris)
git --git-dir="$pg" archive "$polaris_ref" test/checks | tar -x -C "$work" --transform 's,^test/checks,polaris-raw,'
find "$work/polaris-raw" -type f -name '*.yaml' ! -name check.yaml | sort | while read -r f; do
  rel=${f#"$work/polaris-raw/"}
  cp "$f" "$src/polaris/${rel//\//__}"
done

# kube-linter: tests/checks/*.yml|*.yaml.
kg=$(gitdir "${KUBE_LINTER_GIT:-}" https://github.com/stackrox/kube-linter)
git --git-dir="$kg" archive "$kl_ref" tests/checks | tar -x -C "$work" --transform 's,^tests/checks,kl-raw,'
find "$work/kl-raw" -type f \( -name '*.yml' -o -name '*.yaml' \) | sort | while read -r f; do
  rel=${f#"$work/kl-raw/"}
  cp "$f" "$src/kube-linter/${rel//\//__}"
done

# KICS: assets/queries/k8s/<query>/test/*.yaml from the Go module proxy
# (the JSON files there are expected results, not manifests).
mod=$work/kicsmod
mkdir -p "$mod"
(cd "$mod" && go mod init bench/kics >/dev/null 2>&1 && go mod download -json "github.com/Checkmarx/kics/v2@$kics_version") >"$work/kics.json"
kics=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' "$work/kics.json")
find "$kics/assets/queries/k8s" -path '*/test/*' -type f -name '*.yaml' -size +0 | sort | while read -r f; do
  rel=${f#"$kics/assets/queries/k8s/"}
  rel=${rel/\/test\//\/}
  cp "$f" "$src/kics/${rel//\//__}"
done
chmod -R u+w "$src"

# docs DIR... counts documents with a top-level kind, file by file.
docs() { find "$@" -type f -print0 | xargs -0 grep -c '^kind:' | awk -F: '{ n += $NF } END { print n + 0 }'; }

per_copy=$(docs "$src")
files_per_copy=$(find "$src" -type f | wc -l)
copies=$(((min_docs + per_copy - 1) / per_copy))

# rename N makes copy N distinct objects: every namespaced object moves to
# namespace "<namespace>-rN" (objects without one to "default-rN", where
# kubectl would have put them), and cluster-scoped objects get the name
# "<name>-rN". References between objects of one namespace stay valid.
# Lines keep their line endings (some sources use CRLF).
rename() {
  awk -v sfx="-r$1" '
    function suffix(line, key,    cr, pre, val) {
      cr = ""
      if (line ~ /\r$/) { cr = "\r"; line = substr(line, 1, length(line) - 1) }
      if (!match(line, "^[ ]*" key ":[ ]*")) return line cr
      pre = substr(line, 1, RLENGTH); val = substr(line, RLENGTH + 1)
      if (val ~ /^[A-Za-z0-9][A-Za-z0-9._-]*$/) return pre val sfx cr
      if (val ~ /^"[A-Za-z0-9][A-Za-z0-9._-]*"$/ || val ~ /^\047[A-Za-z0-9][A-Za-z0-9._-]*\047$/)
        return pre substr(val, 1, length(val) - 1) sfx substr(val, length(val)) cr
      return line cr
    }
    function flush() {
      if (inmeta && !hasns && !cluster && ind != "") print ind "namespace: default" sfx eol
      inmeta = 0
    }
    BEGIN { cluster = 0 }
    {
      raw = $0; line = raw; eol = ""
      if (line ~ /\r$/) { eol = "\r"; line = substr(line, 1, length(line) - 1) }
      if (line ~ /^---/) { flush(); cluster = 0; print raw; next }
      if (line ~ /^kind:/) cluster = (line ~ /^kind:[ ]*(Namespace|ClusterRole|ClusterRoleBinding|PersistentVolume|StorageClass|PodSecurityPolicy|CustomResourceDefinition|ValidatingWebhookConfiguration|MutatingWebhookConfiguration|PriorityClass|Node|APIService|SecurityContextConstraints|IngressClass|RuntimeClass|CSIDriver|ClusterIssuer)[ ]*$/)
      if (inmeta) {
        if (line ~ /^[ ]*$/ || line ~ /^[ ]*#/) { print raw; next }
        match(line, /^[ ]*/); cur = substr(line, 1, RLENGTH)
        if (ind == "") ind = cur
        if (cur == "" || length(cur) < length(ind)) flush()
        else if (cur == ind && line ~ /^[ ]*name:/) { print (cluster ? suffix(raw, "name") : raw); next }
        else if (cur == ind && line ~ /^[ ]*namespace:/) { hasns = 1; print suffix(raw, "namespace"); next }
        else { print raw; next }
      }
      if (line ~ /^metadata:[ ]*$/) { inmeta = 1; hasns = 0; ind = ""; print raw; next }
      print raw
    }
    END { flush() }
  '
}

rm -rf "$out"
mkdir -p "$out"
for ((n = 0; n < copies; n++)); do
  dir=$(printf '%s/copy-%02d' "$out" "$n")
  for s in polaris kube-linter kics; do
    mkdir -p "$dir/$s"
    for f in "$src/$s"/*; do
      if ((n == 0)); then
        cp "$f" "$dir/$s/"
      else
        rename "$n" <"$f" >"$dir/$s/$(basename "$f")"
      fi
    done
  done
done

total_files=$(find "$out" -type f | wc -l)
total_docs=$(docs "$out")
bytes=$(du -sb "$out" | cut -f1)
echo "corpus: $out: $copies copies of $files_per_copy files ($per_copy documents each): $total_files files, $total_docs documents, $bytes bytes"
