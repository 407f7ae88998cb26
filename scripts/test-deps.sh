#!/usr/bin/env bash
# Installs and starts what the tests need on a fresh machine of this
# project's kind (Debian 12, root, PostgreSQL 15 on 127.0.0.1:5432):
# PostGIS for the PostGIS store, GDAL for the OGC client test, Chromium for
# the browser tests, HAProxy for the replica test of deploy/, Node.js
# packages for the map. Safe to run again.
set -euo pipefail

need=()
pg_has_postgis() {
  psql -h 127.0.0.1 -U postgres -d postgres -tAc \
    "select 1 from pg_available_extensions where name = 'postgis'" 2>/dev/null | grep -q 1
}
command -v ogrinfo >/dev/null || need+=(gdal-bin)
command -v cs2cs >/dev/null || need+=(proj-bin)
command -v chromium >/dev/null || need+=(chromium)
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || need+=(fonts-wqy-microhei)
if ! dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1; then need+=(postgresql-15-postgis-3); fi

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test-deps: missing ${need[*]}; run as root or install them: apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "test-deps: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# PostgreSQL must answer on 127.0.0.1:5432 (the machine starts it; start it
# again if it stopped).
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if [ -z "${ECOSPACE_TEST_DATABASE_URL:-}" ] && ! pg_has_postgis; then
  echo "test-deps: PostgreSQL on 127.0.0.1:5432 does not offer PostGIS" >&2
  exit 1
fi
echo "test-deps: PostGIS, GDAL, PROJ, Chromium and HAProxy are ready"
