#!/usr/bin/env bash
# Checks the AWS deploy files (docs/deploy.md); .ci/run calls it.
#   1. cfn-lint (PyPI, pinned, in a cached venv) on deploy/template.yaml: no error, warning or
#      informational finding;
#   2. deploy/package.sh parses (bash -n), passes shellcheck when installed, and its --dry-run works;
#   3. deploy/check_moto.py creates the template on its own moto server and checks the wiring
#      (needs the moto venv of .ci/moto.sh; MOTO_VENV points at it).
set -euo pipefail
cd "$(dirname "$0")/.."
CFNLINT_VENV="${CFNLINT_VENV:-$HOME/.cache/stampede-cfnlint-venv}"
CFNLINT_VERSION="${CFNLINT_VERSION:-1.58.0}"
MOTO_VENV="${MOTO_VENV:-$HOME/.cache/stampede-moto-venv}"

if [ "$("$CFNLINT_VENV/bin/cfn-lint" --version 2>/dev/null)" != "cfn-lint $CFNLINT_VERSION" ]; then
  python3 -m venv "$CFNLINT_VENV"
  "$CFNLINT_VENV/bin/pip" install -q --disable-pip-version-check "cfn-lint==$CFNLINT_VERSION"
fi
"$CFNLINT_VENV/bin/cfn-lint" --include-checks I -- deploy/template.yaml
echo "cfn-lint $CFNLINT_VERSION: deploy/template.yaml clean"

bash -n deploy/package.sh
if command -v shellcheck >/dev/null; then shellcheck deploy/package.sh deploy/lint.sh; fi
deploy/package.sh --dry-run >/dev/null

"$MOTO_VENV/bin/python" deploy/check_moto.py
