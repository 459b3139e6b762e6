#!/usr/bin/env bash
# `make cluster` / `make cluster-stop`: beside the PostgreSQL 15 primary on 127.0.0.1:5432,
#   - a hot standby on 127.0.0.1:5433 fed by streaming replication through a replication slot
#     (pg_basebackup), data directory var/cluster/standby, run by the postgres OS user;
#   - PgBouncer on 127.0.0.1:6432, transaction pooling, every database of the primary by name
#     (the `*` entry: the test databases Django creates are reachable too).
# Idempotent: what runs is left running, a standby whose primary was re-created is rebuilt.
# Usage: scripts/cluster.sh start|stop|status|restart-pgbouncer
set -euo pipefail

RACINE="$(cd "$(dirname "$0")/.." && pwd)"
VAR="${MAGASIN_VAR_DIR:-$RACINE/var}"
CLUSTER="$VAR/cluster"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PRIMAIRE_PORT="${MAGASIN_PRIMAIRE_PORT:-5432}"
REPLIQUE_PORT="${MAGASIN_REPLIQUE_PORT:-5433}"
PGBOUNCER_PORT="${MAGASIN_PGBOUNCER_PORT:-6432}"
SLOT="${MAGASIN_SLOT:-magasin_standby}"
HOTE=127.0.0.1
DONNEES="$CLUSTER/standby"

dire() { echo "cluster: $*"; }
mourir() { echo "cluster: ERROR: $*" >&2; exit 1; }

# Everything below runs as the postgres OS user (PostgreSQL refuses root; so does PgBouncer).
en_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
psql_primaire() { "$PG_BIN/psql" -X -q -At -h "$HOTE" -p "$PRIMAIRE_PORT" -U postgres -d postgres "$@"; }
repond() { (exec 3<>"/dev/tcp/$HOTE/$1") 2>/dev/null; }

preparer_dossier() {
  mkdir -p "$VAR"
  if [ ! -e "$CLUSTER" ]; then
    mkdir -p "$CLUSTER"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$CLUSTER"
  fi
  if ! en_postgres test -w "$CLUSTER" -a -x "$CLUSTER"; then
    # The postgres user cannot reach var/ (a 0700 var/, a checkout under /root...): the files
    # live in its home, var/cluster is a link to them for people to look at.
    local ailleurs
    ailleurs="/var/lib/postgresql/magasin-cluster-$(echo -n "$RACINE" | cksum | cut -d' ' -f1)"
    [ -L "$CLUSTER" ] || rmdir "$CLUSTER" 2>/dev/null || mourir "$CLUSTER is not writable by postgres"
    install -d -o postgres -g postgres -m 0750 "$ailleurs"
    ln -sfn "$ailleurs" "$CLUSTER"
  fi
  # From here on the real path: the postgres user may be unable to go through var/.
  CLUSTER="$(readlink -f "$CLUSTER")"
  DONNEES="$CLUSTER/standby"
}

verifier_primaire() {
  repond "$PRIMAIRE_PORT" || mourir "no PostgreSQL on $HOTE:$PRIMAIRE_PORT (start it first)"
  local version wal senders slots
  version="$(psql_primaire -c 'SHOW server_version_num')"
  [ "${version:0:2}" = "${PG_BIN//[^0-9]/}" ] ||
    mourir "primary is PostgreSQL $version, binaries in $PG_BIN do not match (set PG_BIN)"
  wal="$(psql_primaire -c 'SHOW wal_level')"
  senders="$(psql_primaire -c 'SHOW max_wal_senders')"
  slots="$(psql_primaire -c 'SHOW max_replication_slots')"
  if [ "$wal" = minimal ] || [ "$senders" -lt 2 ] || [ "$slots" -lt 1 ]; then
    # These three only change with a restart of the primary: said, never done behind your back.
    mourir "the primary cannot stream (wal_level=$wal, max_wal_senders=$senders, max_replication_slots=$slots).
  Run: psql -h $HOTE -p $PRIMAIRE_PORT -U postgres -c \"ALTER SYSTEM SET wal_level = replica\" \\
         -c \"ALTER SYSTEM SET max_wal_senders = 10\" -c \"ALTER SYSTEM SET max_replication_slots = 10\"
  then restart PostgreSQL (pg_ctlcluster 15 main restart) and run make cluster again."
  fi
  # A slot keeps WAL for a standby that is stopped: bounded, so a forgotten standby cannot fill
  # the primary's disk (past it the slot is lost and the next `make cluster` rebuilds).
  if [ "$(psql_primaire -c 'SHOW max_slot_wal_keep_size')" = -1 ]; then
    dire "primary: ALTER SYSTEM SET max_slot_wal_keep_size = '2GB' (reloaded, no restart)"
    psql_primaire -c "ALTER SYSTEM SET max_slot_wal_keep_size = '2GB'" -c 'SELECT pg_reload_conf()' >/dev/null
  fi
  # A replication connection needs its own pg_hba line ("all" does not match "replication").
  if ! "$PG_BIN/psql" -X -q -At "host=$HOTE port=$PRIMAIRE_PORT user=postgres replication=true" \
    -c IDENTIFY_SYSTEM >/dev/null 2>&1; then
    local hba methode
    hba="$(psql_primaire -c 'SHOW hba_file')"
    methode="$(psql_primaire -c "SELECT auth_method FROM pg_hba_file_rules
      WHERE type = 'host' AND 'all' = ANY(database) AND address = '$HOTE' AND netmask = '255.255.255.255'
      ORDER BY line_number LIMIT 1")"
    [ -n "$methode" ] || mourir "no 'host all ... $HOTE/32' line in $hba to copy for replication: add
  'host replication postgres $HOTE/32 <method>' there and reload PostgreSQL"
    dire "pg_hba: allowing replication from $HOTE/32 ($methode, as for other connections) in $hba"
    printf '\n# Added by Magasin scripts/cluster.sh: the streaming standby on this host.\nhost replication postgres %s/32 %s\n' \
      "$HOTE" "$methode" >>"$hba"
    psql_primaire -c 'SELECT pg_reload_conf()' >/dev/null
    sleep 1
    "$PG_BIN/psql" -X -q -At "host=$HOTE port=$PRIMAIRE_PORT user=postgres replication=true" \
      -c IDENTIFY_SYSTEM >/dev/null || mourir "replication connection still refused after editing $hba"
  fi
}

ecrire_configuration_standby() {
  # Debian keeps postgresql.conf in /etc: the base backup has none. A hot standby must allow at
  # least as many connections, workers, prepared transactions and locks as its primary.
  local reglages
  reglages="$(psql_primaire -F ' = ' -c "SELECT name, setting FROM pg_settings WHERE name IN
    ('max_connections', 'max_worker_processes', 'max_prepared_transactions',
     'max_locks_per_transaction', 'max_wal_senders')")"
  en_postgres tee "$DONNEES/postgresql.conf" >/dev/null <<EOF
# Written by Magasin scripts/cluster.sh: hot standby of $HOTE:$PRIMAIRE_PORT.
listen_addresses = '$HOTE'
port = $REPLIQUE_PORT
unix_socket_directories = ''
hot_standby = on
# Long report queries are not cancelled by the primary's vacuum of rows they still see.
hot_standby_feedback = on
max_standby_streaming_delay = 30s
wal_receiver_status_interval = 1s
shared_buffers = 128MB
logging_collector = off
log_line_prefix = '%m [%p] standby '
$reglages
EOF
  # Same clients allowed as on the primary.
  en_postgres cp "$(psql_primaire -c 'SHOW hba_file')" "$DONNEES/pg_hba.conf"
  en_postgres cp "$(psql_primaire -c 'SHOW ident_file')" "$DONNEES/pg_ident.conf"
}

standby_tourne() { en_postgres "$PG_BIN/pg_ctl" -D "$DONNEES" status >/dev/null 2>&1; }

construire_standby() {
  if [ -f "$DONNEES/PG_VERSION" ]; then
    local ici la
    ici="$(en_postgres "$PG_BIN/pg_controldata" "$DONNEES" | awk -F: '/Database system identifier/ {gsub(/ /,"",$2); print $2}')"
    la="$(psql_primaire -c 'SELECT system_identifier FROM pg_control_system()')"
    if [ "$ici" = "$la" ] && [ -f "$DONNEES/standby.signal" ] &&
      [ -n "$(psql_primaire -c "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$SLOT' AND wal_status <> 'lost'")" ]; then
      return 0
    fi
    dire "the standby in $DONNEES no longer matches the primary: rebuilding it"
    standby_tourne && en_postgres "$PG_BIN/pg_ctl" -D "$DONNEES" -m fast -w stop >/dev/null
    rm -rf "$DONNEES"
  fi
  if [ -n "$(psql_primaire -c "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$SLOT' AND wal_status = 'lost'")" ]; then
    psql_primaire -c "SELECT pg_drop_replication_slot('$SLOT')" >/dev/null
  fi
  if [ -z "$(psql_primaire -c "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$SLOT'")" ]; then
    psql_primaire -c "SELECT pg_create_physical_replication_slot('$SLOT')" >/dev/null
  fi
  dire "pg_basebackup of $HOTE:$PRIMAIRE_PORT into $DONNEES (slot $SLOT)"
  rm -rf "$DONNEES"
  en_postgres "$PG_BIN/pg_basebackup" -h "$HOTE" -p "$PRIMAIRE_PORT" -U postgres -D "$DONNEES" \
    -X stream -S "$SLOT" -R -c fast --no-password
  ecrire_configuration_standby
}

standby_d_ailleurs() {
  # Another checkout's standby of this very primary (same system identifier, streaming) on the
  # port will do: one standby per primary is the point.
  [ -f "$DONNEES/PG_VERSION" ] && standby_tourne && return 1
  repond "$REPLIQUE_PORT" || return 1
  local la ici
  la="$(psql_primaire -c 'SELECT system_identifier FROM pg_control_system()')"
  ici="$("$PG_BIN/psql" -X -q -At -h "$HOTE" -p "$REPLIQUE_PORT" -U postgres -d postgres -c \
    "SELECT system_identifier FROM pg_control_system() WHERE pg_is_in_recovery()
       AND (SELECT status FROM pg_stat_wal_receiver) = 'streaming'" 2>/dev/null || true)"
  [ -n "$ici" ] && [ "$ici" = "$la" ]
}

demarrer_standby() {
  if standby_tourne; then
    dire "standby already running on $HOTE:$REPLIQUE_PORT"
    return 0
  fi
  repond "$REPLIQUE_PORT" && mourir "something else listens on $HOTE:$REPLIQUE_PORT (not a streaming standby of $HOTE:$PRIMAIRE_PORT)"
  en_postgres "$PG_BIN/pg_ctl" -D "$DONNEES" -l "$CLUSTER/standby.log" -w -t 60 start >/dev/null ||
    mourir "the standby did not start: see $CLUSTER/standby.log"
  dire "standby running on $HOTE:$REPLIQUE_PORT"
}

attendre_streaming() {
  for _ in $(seq 1 30); do
    [ "$(psql_primaire -c "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'walreceiver' AND state = 'streaming'")" != 0 ] &&
      [ "$(psql_primaire -c "SELECT active FROM pg_replication_slots WHERE slot_name = '$SLOT'")" = t ] && return 0
    sleep 1
  done
  mourir "the standby is up but not streaming: see $CLUSTER/standby.log"
}

pgbouncer_pid() {
  [ -f "$CLUSTER/pgbouncer.pid" ] && kill -0 "$(cat "$CLUSTER/pgbouncer.pid")" 2>/dev/null &&
    cat "$CLUSTER/pgbouncer.pid"
}

demarrer_pgbouncer() {
  command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] ||
    mourir "pgbouncer is not installed (apt-get install pgbouncer)"
  en_postgres tee "$CLUSTER/pgbouncer.ini" >/dev/null <<EOF
; Written by Magasin scripts/cluster.sh. Transaction pooling in front of $HOTE:$PRIMAIRE_PORT.
[databases]
; Every database of the primary, by its own name (Django's test databases included).
* = host=$HOTE port=$PRIMAIRE_PORT

[pgbouncer]
listen_addr = $HOTE
listen_port = $PGBOUNCER_PORT
unix_socket_dir =
pool_mode = transaction
; The primary trusts $HOTE; PgBouncer does the same (production: scram-sha-256 + auth_query).
auth_type = trust
auth_file = $CLUSTER/userlist.txt
admin_users = postgres
stats_users = postgres
max_client_conn = 1000
default_pool_size = 20
reserve_pool_size = 5
server_reset_query =
server_check_delay = 10
ignore_startup_parameters = extra_float_digits,options
logfile = $CLUSTER/pgbouncer.log
pidfile = $CLUSTER/pgbouncer.pid
EOF
  echo '"postgres" ""' | en_postgres tee "$CLUSTER/userlist.txt" >/dev/null
  local pid
  if pid="$(pgbouncer_pid)"; then
    kill -HUP "$pid"  # reloads the configuration just written
    dire "pgbouncer already running on $HOTE:$PGBOUNCER_PORT (pid $pid, configuration reloaded)"
    return 0
  fi
  if repond "$PGBOUNCER_PORT"; then
    # Another checkout's PgBouncer in transaction pooling in front of this primary will do.
    if "$PG_BIN/psql" -X -q -At -h "$HOTE" -p "$PGBOUNCER_PORT" -U postgres -d pgbouncer -c 'SHOW CONFIG' 2>/dev/null |
      grep -qx 'pool_mode|transaction|.*' &&
      [ "$("$PG_BIN/psql" -X -q -At -h "$HOTE" -p "$PGBOUNCER_PORT" -U postgres -d postgres \
        -c "SELECT current_setting('port')" 2>/dev/null)" = "$PRIMAIRE_PORT" ]; then
      dire "a PgBouncer in transaction pooling in front of this primary already runs on $HOTE:$PGBOUNCER_PORT: used as is"
      return 0
    fi
    mourir "something else listens on $HOTE:$PGBOUNCER_PORT (Debian's own pgbouncer service? systemctl stop pgbouncer)"
  fi
  en_postgres /usr/sbin/pgbouncer -d "$CLUSTER/pgbouncer.ini"
  for _ in $(seq 1 20); do
    repond "$PGBOUNCER_PORT" && { dire "pgbouncer running on $HOTE:$PGBOUNCER_PORT (transaction pooling)"; return 0; }
    sleep 0.5
  done
  mourir "pgbouncer did not start: see $CLUSTER/pgbouncer.log"
}

demarrer() {
  preparer_dossier
  verifier_primaire
  if standby_d_ailleurs; then
    dire "a streaming standby of this primary already runs on $HOTE:$REPLIQUE_PORT (another data directory): used as is"
  else
    construire_standby
    demarrer_standby
  fi
  attendre_streaming
  demarrer_pgbouncer
  dire "ready: DATABASE_URL=postgres://postgres@$HOTE:$PGBOUNCER_PORT/magasin DATABASE_REPLICA_URL=postgres://postgres@$HOTE:$REPLIQUE_PORT/magasin"
}

arreter_pgbouncer() {
  local pid
  if pid="$(pgbouncer_pid)"; then
    kill -INT "$pid"  # SIGINT: immediate shutdown, every client and server connection dropped
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    dire "pgbouncer stopped"
  fi
}

arreter() {
  [ -e "$CLUSTER" ] && CLUSTER="$(readlink -f "$CLUSTER")" && DONNEES="$CLUSTER/standby"
  arreter_pgbouncer
  if [ -f "$DONNEES/PG_VERSION" ] && standby_tourne; then
    en_postgres "$PG_BIN/pg_ctl" -D "$DONNEES" -m fast -w stop >/dev/null
    dire "standby stopped (its slot $SLOT keeps the primary's WAL until it is started again:
  drop it with SELECT pg_drop_replication_slot('$SLOT') if the standby is gone for good)"
  fi
}

etat() {
  [ -e "$CLUSTER" ] && CLUSTER="$(readlink -f "$CLUSTER")" && DONNEES="$CLUSTER/standby"
  if [ -f "$DONNEES/PG_VERSION" ] && standby_tourne; then echo "standby: running on $HOTE:$REPLIQUE_PORT"; else echo "standby: stopped"; fi
  if pid="$(pgbouncer_pid)"; then echo "pgbouncer: running on $HOTE:$PGBOUNCER_PORT (pid $pid)"; else echo "pgbouncer: stopped"; fi
}

case "${1:-start}" in
  start) demarrer ;;
  stop) arreter ;;
  status) etat ;;
  restart-pgbouncer)  # what an operator's restart does to the application (tests use it)
    preparer_dossier
    if pgbouncer_pid >/dev/null; then
      arreter_pgbouncer
    elif repond "$PGBOUNCER_PORT"; then  # another checkout's: through its admin console
      "$PG_BIN/psql" -X -q -h "$HOTE" -p "$PGBOUNCER_PORT" -U postgres -d pgbouncer -c SHUTDOWN >/dev/null 2>&1 || true
      for _ in $(seq 1 40); do repond "$PGBOUNCER_PORT" || break; sleep 0.25; done
    fi
    demarrer_pgbouncer
    ;;
  *) mourir "usage: $0 start|stop|status|restart-pgbouncer" ;;
esac
