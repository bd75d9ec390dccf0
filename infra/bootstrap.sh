# Sourced by infra/test and infra/up: installs the pinned Python tools into .venv (once per
# change of the pins) and points cargo at a build cache outside the clone.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Reuse a build cache across clones when there is one; CI and newcomers get it created.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rainforest/target}"
export SAM_CLI_TELEMETRY=0

stamp=".venv/.installed-$(cat infra/requirements.txt infra/constraints.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    echo "bootstrap: installing pinned Python tools into .venv" >&2
    rm -rf .venv
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r infra/requirements.txt -c infra/constraints.txt
    touch "$stamp"
fi
export PATH="$ROOT/.venv/bin:$PATH"
