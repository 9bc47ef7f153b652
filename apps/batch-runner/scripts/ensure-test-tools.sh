#!/bin/sh
# Makes sure the real tools the batch-runner tests and benchmark drive are installed:
# OpenSSH's sshd + sftp-server (the SFTP fixture), the sftp client (native baseline) and GnuPG.
# Idempotent: when everything is present it only checks paths and exits at once.
set -eu

missing=""
[ -x /usr/sbin/sshd ] && [ -x /usr/lib/openssh/sftp-server ] || missing="$missing openssh-server"
command -v sftp >/dev/null 2>&1 || missing="$missing openssh-client"
command -v gpg >/dev/null 2>&1 || missing="$missing gnupg"
if [ "${1:-}" = "--with-postgres" ]; then
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
fi

[ -z "$missing" ] && exit 0

if [ "$(id -u)" != "0" ]; then
  echo "ensure-test-tools: missing:$missing (install them, or run this script as root)" >&2
  exit 1
fi

echo "ensure-test-tools: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# The packages' attempts to start services fail without an init system; that is harmless here.
apt-get install -y -qq --no-install-recommends $missing >&2 || true
[ -x /usr/sbin/sshd ] && command -v gpg >/dev/null 2>&1 || { echo "ensure-test-tools: install failed" >&2; exit 1; }
