# packages.sh - the Debian 12 packages the build, tests and demo need.
# Sourced by run-tests and demo; installs only what is missing.
HB_PACKAGES="build-essential autoconf automake pkg-config libglib2.0-dev
 libssl-dev librsync-dev libinotifytools0-dev iproute2 iputils-ping nftables
 socat psmisc procps net-tools heartbeat clang python3 tcpdump
 postfix dovecot-imapd dovecot-pop3d dovecot-lmtpd dovecot-sieve
 resource-agents cluster-glue
 openssh-server openssh-client rsync dovecot-core ipmitool openipmi
 bsdutils keepalived pacemaker corosync crmsh pacemaker-cli-utils
 debhelper lintian logrotate man-db openssl systemd"

hb_install_packages() {
	local missing=() p
	for p in $HB_PACKAGES ${HB_EXTRA_PACKAGES:-}; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	apt-get update -qq >/dev/null &&
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
