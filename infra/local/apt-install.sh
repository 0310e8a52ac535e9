# Sourced by the install-*.sh scripts: Debian packages installed as root (with sudo when not root).

as_root() {
    if [[ "$(id -u)" -eq 0 ]]; then
        "$@"
    else
        sudo "$@"
    fi
}

# apt_install PACKAGE...: quietly, without recommends. A configuration file written
# before the install (PostgreSQL's createcluster.conf) is kept, without a prompt.
apt_install() {
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}
