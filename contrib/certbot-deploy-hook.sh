#!/bin/sh
# certbot deploy hook for hichat: after a renewal, copies the new
# certificate and key to where hichat reads them and tells hichat to
# reload them (SIGHUP). Connections stay up; new ones get the new
# certificate.
#
# Install (as root):
#   install -m 0755 contrib/certbot-deploy-hook.sh \
#     /etc/letsencrypt/renewal-hooks/deploy/hichat.sh
# and in hichat.toml:
#   [tls]
#   cert = "/etc/hichat/tls/fullchain.pem"
#   key = "/etc/hichat/tls/privkey.pem"
#
# certbot sets RENEWED_LINEAGE (/etc/letsencrypt/live/<name>). Run by hand
# with RENEWED_LINEAGE=/etc/letsencrypt/live/chat.example.org to test.
# Settings, from the environment:
#   HICHAT_TLS_DIR   where hichat reads them (default /etc/hichat/tls)
#   HICHAT_GROUP     the group that may read the key (default hichat)
#   HICHAT_DOMAIN    only act for this certificate name (default: any)
#   HICHAT_PIDFILE   signal the pid in this file instead of systemctl
set -eu

lineage=${RENEWED_LINEAGE:?"RENEWED_LINEAGE is not set (certbot sets it for deploy hooks)"}
dir=${HICHAT_TLS_DIR:-/etc/hichat/tls}
group=${HICHAT_GROUP:-hichat}

if [ -n "${HICHAT_DOMAIN:-}" ] && [ "$(basename "$lineage")" != "$HICHAT_DOMAIN" ]; then
  exit 0 # another certificate renewed: not ours
fi
for f in fullchain.pem privkey.pem; do
  [ -r "$lineage/$f" ] || { echo "hichat hook: cannot read $lineage/$f" >&2; exit 1; }
done

# The directory: root's, readable by the group only.
install -d -m 0750 -o root -g "$group" "$dir"
# Write each file under a temporary name with its final mode, then rename
# over the old one: hichat never reads a half-written file, and the key is
# never readable by anyone else, even for a moment.
umask 077
install -m 0644 -o root -g "$group" "$lineage/fullchain.pem" "$dir/.fullchain.pem.new"
install -m 0640 -o root -g "$group" "$lineage/privkey.pem" "$dir/.privkey.pem.new"
mv -f "$dir/.fullchain.pem.new" "$dir/fullchain.pem"
mv -f "$dir/.privkey.pem.new" "$dir/privkey.pem"

if [ -n "${HICHAT_PIDFILE:-}" ]; then
  kill -HUP "$(cat "$HICHAT_PIDFILE")"
elif command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet hichat; then
  systemctl reload hichat
else
  echo "hichat hook: certificate copied to $dir; hichat is not running under systemd, send it SIGHUP" >&2
fi
