#!/usr/bin/env bash
# Install Debian packages only when a file they provide is missing.
#
#   scripts/apt-ensure.sh /usr/bin/msgfmt=gettext /usr/bin/chromium=chromium ...
#
# Each argument is PATH=PACKAGE. Nothing is installed (and apt is not touched) when
# every PATH exists, so re-runs cost nothing.
set -euo pipefail

missing=()
for pair in "$@"; do
  path=${pair%%=*}
  package=${pair#*=}
  if [[ ! -e $path ]]; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi

echo "apt-ensure: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
