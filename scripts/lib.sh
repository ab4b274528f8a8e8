# shellcheck shell=bash
# Shared by scripts/run and scripts/test: find or build a Frappe v15 + ERPNext v15 bench, make sure
# MariaDB and Redis answer, link THIS checkout into the bench and create sites. Every step is idempotent.
# Settings (environment):
#   BENCH_DIR       bench folder (default ~/frappe-bench)
#   FRAPPE_REPO     git URL or local path of Frappe version-15   (default upstream GitHub)
#   ERPNEXT_REPO    git URL or local path of ERPNext version-15  (default upstream GitHub)
#   FRAPPE_BRANCH / ERPNEXT_BRANCH   (default version-15)
#   DB_HOST, DB_PORT                 MariaDB (default 127.0.0.1:3306)
#   DB_ROOT_USER / DB_ROOT_PASSWORD  a MariaDB superuser WITH a password (default crm_dbroot/crm_dbroot;
#                                    created through `mariadb -uroot` when root has no password)
#   REDIS_URL       (default redis://127.0.0.1:6379)
set -o pipefail

CHECKOUT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_DIR="${BENCH_DIR:-$HOME/frappe-bench}"
FRAPPE_REPO="${FRAPPE_REPO:-https://github.com/frappe/frappe}"
ERPNEXT_REPO="${ERPNEXT_REPO:-https://github.com/frappe/erpnext}"
FRAPPE_BRANCH="${FRAPPE_BRANCH:-version-15}"
ERPNEXT_BRANCH="${ERPNEXT_BRANCH:-version-15}"
DB_HOST="${DB_HOST:-127.0.0.1}"
DB_PORT="${DB_PORT:-3306}"
DB_ROOT_USER="${DB_ROOT_USER:-crm_dbroot}"
DB_ROOT_PASSWORD="${DB_ROOT_PASSWORD:-crm_dbroot}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
ADMIN_PASSWORD="${ADMIN_PASSWORD:-admin}"
LOG_DIR="${LOG_DIR:-$BENCH_DIR/logs}"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf 'crm_archive: %s\n' "$*" >&2; exit 1; }

# Run a noisy step with its output in a log; on failure show the log's tail and one sentence.
step() {
	local what="$1"; shift
	# before the bench exists its folder must stay absent (bench init refuses an existing one)
	local dir="$LOG_DIR"
	[[ -d "$BENCH_DIR/apps" ]] || dir="${TMPDIR:-/tmp}/crm_archive-logs"
	local log="$dir/crm_archive-setup.log"
	mkdir -p "$dir" 2>/dev/null || log=/tmp/crm_archive-setup.log
	echo "--- $(date -Is) $what: $*" >>"$log"
	if ! "$@" >>"$log" 2>&1; then
		tail -n 25 "$log" >&2
		die "$what failed (full log: $log)."
	fi
}

bench_cmd() { (cd "$BENCH_DIR" && bench "$@"); }

need_tool() {
	command -v "$1" >/dev/null 2>&1 || die "$1 is not installed: $2"
}

ensure_tools() {
	need_tool python3 "install Python 3.10 or newer."
	need_tool git "install git."
	need_tool node "install Node.js 18 or newer (Frappe builds its desk assets with it)."
	need_tool mariadb "install the MariaDB client (Debian package mariadb-client)."
	need_tool redis-cli "install the Redis tools (Debian package redis-tools)."
	python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' || die "Python 3.10 or newer is required."
	if ! command -v bench >/dev/null 2>&1; then
		say "installing frappe-bench from PyPI"
		python3 -m pip install -q frappe-bench >/dev/null 2>&1 \
			|| die "frappe-bench is not installed and PyPI is unreachable (pip install frappe-bench)."
		hash -r
	fi
	if ! command -v yarn >/dev/null 2>&1 || [[ "$(yarn --version 2>/dev/null)" != 1.* ]]; then
		say "installing yarn 1 from npm"
		npm install -g yarn@1.22.22 >/dev/null 2>&1 \
			|| die "yarn 1 is not installed and the npm registry is unreachable (npm install -g yarn@1.22.22)."
		hash -r
	fi
}

ensure_services() {
	if ! mariadb-admin -h"$DB_HOST" -P"$DB_PORT" -uroot ping >/dev/null 2>&1 \
		&& ! mariadb-admin -h"$DB_HOST" -P"$DB_PORT" -u"$DB_ROOT_USER" -p"$DB_ROOT_PASSWORD" ping >/dev/null 2>&1; then
		if command -v mariadbd >/dev/null 2>&1 || [[ -x /usr/sbin/mariadbd ]]; then
			say "starting MariaDB"
			start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >/dev/null 2>&1 || true
			for _ in $(seq 1 30); do
				mariadb-admin -h"$DB_HOST" -P"$DB_PORT" -uroot ping >/dev/null 2>&1 && break
				sleep 1
			done
		fi
		mariadb-admin -h"$DB_HOST" -P"$DB_PORT" -uroot ping >/dev/null 2>&1 \
			|| mariadb-admin -h"$DB_HOST" -P"$DB_PORT" -u"$DB_ROOT_USER" -p"$DB_ROOT_PASSWORD" ping >/dev/null 2>&1 \
			|| die "MariaDB does not answer on $DB_HOST:$DB_PORT (install mariadb-server or set DB_HOST/DB_PORT)."
	fi
	local host port
	host="$(echo "$REDIS_URL" | sed -E 's#redis://([^:/]+):?([0-9]*).*#\1#')"
	port="$(echo "$REDIS_URL" | sed -E 's#redis://([^:/]+):?([0-9]*).*#\2#')"
	port="${port:-6379}"
	if ! redis-cli -h "$host" -p "$port" ping >/dev/null 2>&1; then
		if command -v redis-server >/dev/null 2>&1; then
			say "starting Redis"
			mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
			redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" --save "" --appendonly no \
				--dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null 2>&1 || true
			sleep 1
		fi
		redis-cli -h "$host" -p "$port" ping >/dev/null 2>&1 \
			|| die "Redis does not answer at $REDIS_URL (install redis-server or set REDIS_URL)."
	fi
	# A superuser with a password: bench new-site prompts when the root password is empty.
	if ! mariadb -h"$DB_HOST" -P"$DB_PORT" -u"$DB_ROOT_USER" -p"$DB_ROOT_PASSWORD" -e 'select 1' >/dev/null 2>&1; then
		mariadb -uroot -e "
			CREATE USER IF NOT EXISTS '$DB_ROOT_USER'@'localhost' IDENTIFIED BY '$DB_ROOT_PASSWORD';
			CREATE USER IF NOT EXISTS '$DB_ROOT_USER'@'127.0.0.1' IDENTIFIED BY '$DB_ROOT_PASSWORD';
			GRANT ALL PRIVILEGES ON *.* TO '$DB_ROOT_USER'@'localhost' WITH GRANT OPTION;
			GRANT ALL PRIVILEGES ON *.* TO '$DB_ROOT_USER'@'127.0.0.1' WITH GRANT OPTION;
			FLUSH PRIVILEGES;" >/dev/null 2>&1 \
			|| die "cannot log in to MariaDB as $DB_ROOT_USER; set DB_ROOT_USER and DB_ROOT_PASSWORD to a superuser."
	fi
}

source_reachable() {
	local repo="$1"
	if [[ -d "$repo" ]]; then
		git -C "$repo" rev-parse --git-dir >/dev/null 2>&1
	else
		timeout 30 git ls-remote --exit-code "$repo" >/dev/null 2>&1
	fi
}

bench_ready() {
	[[ -x "$BENCH_DIR/env/bin/python" && -d "$BENCH_DIR/apps/frappe" && -d "$BENCH_DIR/apps/erpnext" ]] \
		&& "$BENCH_DIR/env/bin/python" -c 'import frappe, erpnext' >/dev/null 2>&1
}

ensure_bench() {
	ensure_tools
	ensure_services
	if ! [[ -x "$BENCH_DIR/env/bin/python" && -d "$BENCH_DIR/apps/frappe" ]]; then
		source_reachable "$FRAPPE_REPO" \
			|| die "no bench at $BENCH_DIR and the Frappe v15 sources are unreachable at $FRAPPE_REPO; set FRAPPE_REPO and ERPNEXT_REPO to local git repositories of Frappe and ERPNext version-15."
		[[ -e "$BENCH_DIR" ]] && die "$BENCH_DIR exists but is not a usable bench; move it away or set BENCH_DIR."
		say "building a bench at $BENCH_DIR (Frappe $FRAPPE_BRANCH from $FRAPPE_REPO; a few minutes)"
		local tmp
		tmp="$(mktemp -d)"
		mkdir -p "$tmp/sites"
		# bench refuses to run as root unless the config it is started from names root as frappe_user.
		echo "{\"frappe_user\": \"$(id -un)\"}" >"$tmp/sites/common_site_config.json"
		local src_flag=(--frappe-path "$FRAPPE_REPO")
		step "bench init" bash -c "cd '$tmp' && bench init '$BENCH_DIR' ${src_flag[*]} --frappe-branch '$FRAPPE_BRANCH' --python '$(command -v python3)' --no-backups --skip-redis-config-generation"
		rm -rf "$tmp"
		[[ -x "$BENCH_DIR/env/bin/python" && -d "$BENCH_DIR/apps/frappe" ]] \
			|| die "bench init did not create a bench at $BENCH_DIR (log: ${TMPDIR:-/tmp}/crm_archive-logs/crm_archive-setup.log)."
	fi
	# setuptools 81 dropped pkg_resources, which Frappe 15 still imports when creating a site.
	if ! "$BENCH_DIR/env/bin/python" -c 'import pkg_resources' >/dev/null 2>&1; then
		step "pin setuptools<81" "$BENCH_DIR/env/bin/python" -m pip install -q 'setuptools<81'
	fi
	local key
	for key in redis_cache redis_queue redis_socketio; do
		if ! grep -q "\"$key\": \"$REDIS_URL\"" "$BENCH_DIR/sites/common_site_config.json"; then
			step "set $key" bench_cmd set-config -g "$key" "$REDIS_URL"
		fi
	done
	if ! [[ -d "$BENCH_DIR/apps/erpnext" ]]; then
		source_reachable "$ERPNEXT_REPO" \
			|| die "the bench has no ERPNext and its v15 sources are unreachable at $ERPNEXT_REPO; set ERPNEXT_REPO to a local git repository of ERPNext version-15."
		say "getting ERPNext $ERPNEXT_BRANCH"
		step "bench get-app erpnext" bench_cmd get-app --branch "$ERPNEXT_BRANCH" "$ERPNEXT_REPO"
	fi
	bench_ready || die "the bench at $BENCH_DIR cannot import frappe and erpnext; rebuild it (move it away and rerun)."
}

# Link THIS checkout into the bench: apps/crm_archive is a symlink to it and the bench env imports it
# from here (editable), so the code under test is always the checkout, never a stale copy.
link_checkout() {
	local app="$BENCH_DIR/apps/crm_archive"
	if [[ -L "$app" || ! -e "$app" ]]; then
		ln -sfn "$CHECKOUT" "$app"
	elif [[ "$(cd "$app" && pwd -P)" != "$CHECKOUT" ]]; then
		die "$app is a real folder, not a link to this checkout; move it away first."
	fi
	if ! grep -qx crm_archive "$BENCH_DIR/sites/apps.txt"; then
		# apps.txt often lacks a final newline: never glue our name onto the last app.
		[[ -s "$BENCH_DIR/sites/apps.txt" && -n "$(tail -c1 "$BENCH_DIR/sites/apps.txt")" ]] && echo >>"$BENCH_DIR/sites/apps.txt"
		echo crm_archive >>"$BENCH_DIR/sites/apps.txt"
	fi
	local where
	where="$(cd / && "$BENCH_DIR/env/bin/python" -c 'import os, crm_archive; print(os.path.realpath(crm_archive.__file__))' 2>/dev/null || true)"
	if [[ "$where" != "$CHECKOUT/crm_archive/__init__.py" ]]; then
		"$BENCH_DIR/env/bin/python" -c 'import flit_core' >/dev/null 2>&1 \
			|| step "install flit_core into the bench env" "$BENCH_DIR/env/bin/python" -m pip install -q 'flit_core>=3.4,<4'
		step "install crm_archive (editable) into the bench env" \
			"$BENCH_DIR/env/bin/python" -m pip install -q --no-deps --no-build-isolation -e "$app"
	fi
	where="$(cd / && "$BENCH_DIR/env/bin/python" -c 'import os, crm_archive; print(os.path.realpath(crm_archive.__file__))' 2>/dev/null || true)"
	[[ "$where" == "$CHECKOUT/crm_archive/__init__.py" ]] \
		|| die "the bench imports crm_archive from ${where:-nowhere}, not from $CHECKOUT."
	# the app's own PyPI dependencies ([project] dependencies), as `bench setup requirements` installs them
	local missing
	missing="$("$BENCH_DIR/env/bin/python" - "$CHECKOUT/pyproject.toml" <<'PY'
import sys, tomllib
from importlib.metadata import PackageNotFoundError, version

from packaging.requirements import Requirement

for spec in tomllib.load(open(sys.argv[1], "rb"))["project"].get("dependencies", []):
	req = Requirement(spec)
	try:
		if not req.specifier.contains(version(req.name), prereleases=True):
			print(spec)
	except PackageNotFoundError:
		print(spec)
PY
)"
	if [[ -n "$missing" ]]; then
		local -a specs
		mapfile -t specs <<<"$missing"
		step "install crm_archive's dependencies (${specs[*]}) from PyPI" \
			"$BENCH_DIR/env/bin/python" -m pip install -q "${specs[@]}"
	fi
	mkdir -p "$BENCH_DIR/sites/assets"
	ln -sfn "$app/crm_archive/public" "$BENCH_DIR/sites/assets/crm_archive"
	"$BENCH_DIR/env/bin/python" -c 'import pytest' >/dev/null 2>&1 \
		|| step "install pytest into the bench env" "$BENCH_DIR/env/bin/python" -m pip install -q pytest
}

site_exists() { [[ -f "$BENCH_DIR/sites/$1/site_config.json" ]]; }

site_has_app() {
	local out
	out="$(bench_cmd --site "$1" execute frappe.get_installed_apps 2>/dev/null)" \
		|| die "cannot read the installed apps of site $1 (is MariaDB up? see bench --site $1 list-apps)."
	[[ "$out" == *"\"$2\""* ]]
}

# ensure_site SITE: the site with ERPNext and crm_archive installed and migrated to this checkout.
ensure_site() {
	local site="$1"
	if ! site_exists "$site"; then
		say "creating site $site with ERPNext (about 1-3 minutes)"
		step "bench new-site $site" bench_cmd new-site "$site" \
			--db-host "$DB_HOST" --db-port "$DB_PORT" \
			--db-root-username "$DB_ROOT_USER" --db-root-password "$DB_ROOT_PASSWORD" \
			--admin-password "$ADMIN_PASSWORD" --install-app erpnext
	fi
	if ! site_has_app "$site" erpnext; then
		step "install erpnext on $site" bench_cmd --site "$site" install-app erpnext
	fi
	# Sync doctypes, patches and fixtures from the checkout, but only when they changed.
	local stamp_file="$BENCH_DIR/sites/$site/.crm_archive_synced"
	local stamp
	stamp="$(cd "$CHECKOUT" && find crm_archive -type f \( -name '*.json' -o -name '*.txt' -o -name 'hooks.py' -o -name 'install.py' -o -name '*.csv' -o -path '*/patches/*' \) -print0 | sort -z | xargs -0 sha1sum | sha1sum | cut -c1-40)"
	if ! site_has_app "$site" crm_archive; then
		say "installing crm_archive on $site"
		step "install crm_archive on $site" bench_cmd --site "$site" install-app crm_archive
		echo "$stamp" >"$stamp_file"
	fi
	if [[ "$(cat "$stamp_file" 2>/dev/null)" != "$stamp" ]]; then
		say "migrating $site to this checkout"
		step "bench migrate $site" bench_cmd --site "$site" migrate --skip-search-index
		echo "$stamp" >"$stamp_file"
	fi
}
