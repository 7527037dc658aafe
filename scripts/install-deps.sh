#!/bin/sh
# Install Ketch's build/test dependencies from Debian's packages.  Idempotent:
# does nothing (and needs no network) when everything is already present.
set -e
PKGS="build-essential pkg-config libxen-dev libxenstore4 xenstore-utils
      xen-utils-4.17 uuid-dev libjson-c-dev check liburing-dev libnbd-dev
      qemu-utils qemu-system-common iproute2 clang libclang-rt-14-dev binutils
      libseccomp-dev libnl-3-dev libnl-route-3-dev iputils-ping
      curl python3 zlib1g-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: must run as root to install packages" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
