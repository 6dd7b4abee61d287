#!/usr/bin/env bash
# Set up a full-ESCO deployment in OVERSTAP_DATA_DIR (default ./var), the configuration
# docs/quality.md's "Match quality" measures: ESCO v1.1.1 with its Dutch labels, the mbo
# qualifications, the certificates and the first snapshot, with the bundled model.
# Every step prints its progress; each import is one transaction, so a failed step
# leaves the store as it was and the script can be rerun (imports are idempotent).
#
#   scripts/esco_deployment.sh [SHARED_DATA_DIR] [--tuned]
#
# --tuned first fine-tunes and calibrates a model on the store (`overstap train`, about
# 50 minutes on two cores, reused when already built) and builds the snapshot with it:
# better title linking, but not yet the default for the match (docs/quality.md, "Calibration").
# At the end it prints the line to serve with.
set -euo pipefail

data="../shared/data"
train=0
for arg in "$@"; do
  case "$arg" in
    --tuned) train=1 ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $arg (use --tuned or --help)" >&2; exit 2 ;;
    *) data="$arg" ;;
  esac
done
for folder in esco-v1.1.1-en esco-v1.1-nl-collections mbo-kwalificaties-hks2015; do
  [[ -d "$data/$folder" ]] || { echo "no $data/$folder: give the shared data folder" >&2; exit 2; }
done
here="$(cd "$(dirname "$0")/.." && pwd)"
export HF_HUB_OFFLINE=1 OVERSTAP_LOAD_DEFAULT=false

echo "== 1/4 ESCO v1.1.1 (en) with Dutch labels" >&2
overstap import esco "$data/esco-v1.1.1-en" "$data/esco-v1.1-nl-collections" --on-dangling obsolete
echo "== 2/4 mbo qualifications and certificates" >&2
overstap import qualifications "$data/mbo-kwalificaties-hks2015/kwalificaties_hks_2015-2016.csv"
overstap import certificates "$here/ontology/default_data/certificates.csv" --version 2026.11 \
  --unknown-skills skip

spec="bundled:multilingual-e5-small"
if [[ $train == 1 ]]; then
  echo "== 3/4 fine-tuning and calibrating the model on this store" >&2
  trained="$(overstap train)"
  echo "$trained"
  spec="$(sed -n 's/^use it: OVERSTAP_EMBEDDER=\([^ ]*\).*/\1/p' <<<"$trained")"
  [[ -n $spec ]] || { echo "overstap train named no model" >&2; exit 1; }
else
  echo "== 3/4 the bundled model (--tuned would train one on this store)" >&2
fi
echo "== 4/4 building the snapshot with $spec" >&2
OVERSTAP_EMBEDDER="$spec" overstap reindex
echo "ready: serve with"
echo "  OVERSTAP_EMBEDDER=$spec OVERSTAP_LOAD_DEFAULT=false overstap serve"
