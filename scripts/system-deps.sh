#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when they are missing:
#   libxml2-utils  xmllint, which validates junit.xml against the JUnit schema
#   mosquitto      a real MQTT broker for the MQTT adapter and channel tests
#   socat          pseudo-terminal pairs for the serial adapter and channel tests
#   mender-artifact  writes and verifies Mender artifacts for the tests of the mender image format
#   swupdate, cpio, openssl  build and check SWUpdate images for the tests of the swu image format
#   rauc, squashfs-tools     build and check RAUC bundles for the tests of the rauc image format
#   dbus-daemon    the private bus `rauc service` runs on in the RAUC agent test (rauc depends on it)
#   chromium, fonts-dejavu-core  a real browser that shows and prints report.html in the report tests
#   curl           the loopback-download yardstick of `npm run bench:images` (scripts/bench-large-image.ts)
#   git, rsync     gitlab-ci-local, which runs the GitLab CI template in the CI template tests, copies
#                  each job's checkout of a scratch repository with them (shell executor)
# Without root it only says what is missing; the tests then fail loudly rather than skip.
set -euo pipefail

missing=()
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1 || missing+=(mosquitto)
command -v socat >/dev/null 2>&1 || missing+=(socat)
command -v mender-artifact >/dev/null 2>&1 || missing+=(mender-artifact)
command -v swupdate >/dev/null 2>&1 || missing+=(swupdate)
command -v cpio >/dev/null 2>&1 || missing+=(cpio)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v rauc >/dev/null 2>&1 || missing+=(rauc)
command -v mksquashfs >/dev/null 2>&1 || missing+=(squashfs-tools)
command -v dbus-daemon >/dev/null 2>&1 || missing+=(dbus-daemon)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v curl >/dev/null 2>&1 || missing+=(curl)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
command -v git >/dev/null 2>&1 || missing+=(git)
command -v rsync >/dev/null 2>&1 || missing+=(rsync)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "system-deps: missing Debian packages: ${missing[*]} (install them as root)" >&2
  exit 0
fi
echo "system-deps: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
