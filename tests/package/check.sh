#!/usr/bin/env bash
# The Debian package on this machine (root, Debian 12, no running systemd needed): installs
# BUILD/hookd_*.deb, checks what it put in place, runs the installed hookd as its unit would (user
# hookd, the installed config, a free loopback port), backs it up while it serves, stops it,
# installs it again over itself and purges it, checking that nothing is left. Cleans up on
# failure too.
# Usage: tests/package/check.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: check.sh BUILD_DIR}
deb=$(ls -t "$build"/hookd_*.deb | head -1)
start=$SECONDS
fail() { echo "package-test: FAIL: $*" >&2; exit 1; }
step() { echo "package-test: $*"; }

[ "$(id -u)" -eq 0 ] || fail "needs root (dpkg -i)"
# Never touch a hookd the machine really runs: purging it would delete its data.
! dpkg-query -W hookd >/dev/null 2>&1 ||
  fail "dpkg knows a hookd package here already; purge it first"
! getent passwd hookd >/dev/null || fail "a hookd user already exists here"

tmp=$(mktemp -d)
chmod 755 "$tmp"
server=""
cleanup() {
  [ -z "$server" ] || { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; }
  ! dpkg-query -W hookd >/dev/null 2>&1 || dpkg --purge hookd >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

step "installing $deb ($(du -k "$deb" | cut -f1) KiB)"
step "$(dpkg-deb -f "$deb" Depends | sed 's/^/Depends: /')"
dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -i"; }

version=$(dpkg-deb -f "$deb" Version)
[ "$(/usr/bin/hookd --version)" = "$version" ] || fail "hookd --version is not $version"
getent passwd hookd >/dev/null || fail "no hookd user"
[ "$(stat -c '%U %a' /var/lib/hookd)" = "hookd 700" ] || fail "/var/lib/hookd: $(stat -c '%U %a' /var/lib/hookd)"
[ "$(stat -c '%U:%G %a' /etc/hookd/hookd.toml)" = "root:hookd 640" ] || fail "config ownership/mode"
dpkg-query -W -f='${Conffiles}' hookd | grep -q /etc/hookd/hookd.toml || fail "config is not a conffile"
unit=/usr/lib/systemd/system/hookd.service
[ -f "$unit" ] || fail "no $unit"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$unit" 2>"$tmp/verify.log" || { cat "$tmp/verify.log"; fail "systemd-analyze verify"; }
  [ ! -s "$tmp/verify.log" ] || { cat "$tmp/verify.log"; fail "systemd-analyze verify warnings"; }
  step "unit verified by systemd-analyze"
else
  step "no systemd-analyze here: unit not verified"
fi
man=/usr/share/man/man1/hookd.1.gz
# Docker images may exclude /usr/share/man from dpkg; then the page is checked inside the package.
if [ -f "$man" ]; then cp "$man" "$tmp/hookd.1.gz"; else
  dpkg-deb --fsys-tarfile "$deb" | tar -xO ".$man" >"$tmp/hookd.1.gz" || fail "no man page in the package"
fi
warnings=$({ zcat "$tmp/hookd.1.gz" | groff -man -ww -z
  LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$tmp/hookd.1.gz" >"$tmp/man.txt"; } 2>&1)
[ -z "$warnings" ] || fail "man page warnings: $warnings"
grep -q "hookd backup" "$tmp/man.txt" || fail "man page does not render"

step "serving as user hookd with /etc/hookd/hookd.toml"
# As systemd would run it: user hookd, its groups, an empty environment, umask 077.
(umask 077 && exec env -i setpriv --reuid=hookd --regid=hookd --init-groups \
  /usr/bin/hookd serve --config /etc/hookd/hookd.toml --listen 127.0.0.1:0) >"$tmp/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$tmp/serve.log" && break; sleep 0.1; done
port=$(sed -n 's/.* listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$tmp/serve.log")
[ -n "$port" ] || { cat "$tmp/serve.log"; fail "hookd did not start"; }
api=http://127.0.0.1:$port/api/v1
curl -sf "$api/health" >/dev/null || fail "/api/v1/health"
token=$(grep -o 'hk_[0-9a-f]*' "$tmp/serve.log" | head -1)
[ -n "$token" ] || fail "no admin token printed at first start"
# The README's way to mint a token for the service, while it serves.
token2=$(runuser -u hookd -- hookd token create --config /etc/hookd/hookd.toml --name package-test)
curl -sf "$api/app" -H "authorization: Bearer $token2" >/dev/null || fail "minted token refused"

auth="authorization: Bearer $token"
curl -sf -X POST "$api/app" -H "$auth" -d '{"name": "Package test", "uid": "pkg"}' >/dev/null
for i in $(seq 50); do
  curl -sf -X POST "$api/app/pkg/msg" -H "$auth" \
    -d "{\"eventType\": \"t\", \"eventId\": \"e$i\", \"payload\": {\"i\": $i}}" >/dev/null
done
# More messages while the backup runs: the server keeps answering, the backup is one snapshot.
(for i in $(seq 51 150); do
  curl -sf -X POST "$api/app/pkg/msg" -H "$auth" -d "{\"eventType\": \"t\", \"eventId\": \"e$i\", \"payload\": {}}" >/dev/null || exit 1
done) &
writer=$!
install -d -o hookd -m 700 "$tmp/backup"
runuser -u hookd -- hookd backup --config /etc/hookd/hookd.toml "$tmp/backup/hookd.db" ||
  fail "hookd backup"
wait "$writer" || fail "writes failed while the backup ran"
[ "$(sqlite3 "$tmp/backup/hookd.db" 'PRAGMA integrity_check')" = ok ] || fail "backup integrity"
n=$(sqlite3 "$tmp/backup/hookd.db" 'SELECT count(*) FROM messages')
[ "$n" -ge 50 ] && [ "$n" -le 150 ] || fail "backup holds $n messages (expected 50 to 150)"
[ "$(stat -c %a "$tmp/backup/hookd.db")" = 600 ] || fail "backup mode"
step "backup while serving: integrity ok, $n messages"

kill -TERM "$server"
wait "$server" || fail "hookd exited $? on SIGTERM"
server=""

# Installing again (as an upgrade does) keeps the edited config and the data.
echo "# edited by package-test" >>/etc/hookd/hookd.toml
dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -i over an installed hookd"; }
grep -q "edited by package-test" /etc/hookd/hookd.toml || fail "reinstall replaced the edited config"
[ "$(stat -c '%U:%G %a' /etc/hookd/hookd.toml)" = "root:hookd 640" ] || fail "config mode after reinstall"
[ -s /var/lib/hookd/hookd.db ] || fail "reinstall lost the database"

dpkg --purge hookd >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg --purge"; }
for f in /usr/bin/hookd "$unit" "$man" /etc/hookd /var/lib/hookd; do
  [ ! -e "$f" ] || fail "$f left after purge"
done
! getent passwd hookd >/dev/null || fail "hookd user left after purge"
! getent group hookd >/dev/null || fail "hookd group left after purge"
step "ok in $((SECONDS - start)) s"
