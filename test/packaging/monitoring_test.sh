#!/usr/bin/env bash
# packaging/monitoring/: the alert rules pass `promtool check rules` and their unit tests
# (`promtool test rules`: each alert fires on the series that mean trouble and not on healthy
# ones), the PrometheusRule carries exactly the same groups, the dashboard is valid JSON whose
# every panel has queries, and the scrape jobs are named as the alerts expect. That every
# metric the rules and the dashboard name is really exported is checked against live daemons
# by test/daemons/metrics_doc_test.
set -euo pipefail
dir=$(cd "$(dirname "$0")/../../packaging/monitoring" && pwd)
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
cd "$dir"
promtool check rules ironlb-alerts.yaml || fail "promtool check rules"
promtool test rules ironlb-alerts_test.yaml || fail "promtool test rules"

# Every alert has a unit test in which it fires.
for alert in $(sed -n 's/^ *- alert: //p' ironlb-alerts.yaml); do
  grep -q "alertname: $alert\$" ironlb-alerts_test.yaml || fail "$alert has no promtool test"
done

# The PrometheusRule's spec is ironlb-alerts.yaml's groups, indented by two.
diff <(sed -n '/^groups:/,$p' ironlb-alerts.yaml) \
  <(sed -n '/^spec:/,$p' prometheus-rule.yaml | tail -n +2 | sed 's/^  //') >/dev/null ||
  fail "prometheus-rule.yaml differs from ironlb-alerts.yaml"

python3 - ironlb-dashboard.json <<'PY' || fail "ironlb-dashboard.json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["panels"], "no panels"
for p in d["panels"]:
    assert p["targets"], f"panel {p['title']} has no query"
    for t in p["targets"]:
        assert t["expr"].strip(), f"panel {p['title']}: empty query"
PY

for job in ironlb-speaker ironlb-controller; do
  grep -q "job_name: $job\$" prometheus-scrape.yaml || fail "prometheus-scrape.yaml has no job $job"
  grep -q "replacement: $job\$" podmonitors.yaml || fail "podmonitors.yaml does not name the job $job"
done
echo "PASS"
