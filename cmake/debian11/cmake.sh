#!/usr/bin/env bash
# CMake inside the Debian 11 root: what `mvn -Pportable` builds the release natives with.
exec "$(dirname "$0")/run-in-root.sh" cmake "$@"
