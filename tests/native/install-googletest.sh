#!/usr/bin/env bash
# Makes sure GoogleTest, which the native tests need, is installed; on Debian and Ubuntu,
# run as root, installs it (the package libgtest-dev). Nothing else the tests need is
# missing from a machine that can build ghostnet: Maven brings the rest.
set -euo pipefail

# GoogleTest's CMake package, wherever a package manager or a source install put it.
installed() {
  compgen -G "/usr/lib/*/cmake/GTest/GTestConfig.cmake" >/dev/null ||
    compgen -G "/usr/lib*/cmake/GTest/GTestConfig.cmake" >/dev/null ||
    compgen -G "/usr/local/lib*/cmake/GTest/GTestConfig.cmake" >/dev/null
}

if installed; then
  echo "ghostnet: GoogleTest is installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "ghostnet: the native tests need GoogleTest: install it (Debian/Ubuntu: apt-get install libgtest-dev)," >&2
  echo "ghostnet: or run this script as root on Debian or Ubuntu to have it installed" >&2
  exit 1
fi
echo "ghostnet: installing GoogleTest for the native tests (apt-get install libgtest-dev)"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libgtest-dev
