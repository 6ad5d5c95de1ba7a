#!/usr/bin/env bash
# The workflow on a real Slurm: stands up a single-node Slurm 22.05 on localhost (munge,
# MariaDB + slurmdbd for sacct, slurmctld, slurmd; Debian's packages, no systemd) and runs the
# test preset (PRESET; every study, the test suite's run) through profiles/slurm. One training
# job is cancelled mid-run (scancel): the run must fail like a local one, leave no
# complete-looking output for that job, and finish when run again. Then sacct must show every
# job of the DAG completed under Slurm, and every number must equal a local run's of the same
# preset. Everything it started is stopped by PID on exit, failure included; the Slurm config
# files it wrote to /etc/slurm are removed (or the ones found there restored).
#
#   .ci/slurm_test.sh                    # root and apt-get needed; skips (exit 0) otherwise
#   LOCAL_RUN=DIR .ci/slurm_test.sh      # compare with DIR/results/$PRESET (a finished local
#                                        # run) instead of making one (minutes saved)
#   PRESET=quick .ci/slurm_test.sh       # another preset (default: test)
#   KEEP=1 .ci/slurm_test.sh             # keep the work folder (logs, both runs) for a look
#
# Environment: SLURM_TEST_TIMEOUT (s, each snakemake call; default 2400: the quick preset took
# about 20 min through Slurm on 2 cores).
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
PY="$REPO/.venv/bin/python"
TIMEOUT=${SLURM_TEST_TIMEOUT:-2400}
PRESET=${PRESET:-test}
PASSED=0
say() { echo "slurm_test: $*"; }
skip() { say "SKIPPED: $*"; exit 0; }
fail() { say "FAILED: $*"; say "$PASSED passed, 1 failed"; exit 1; }
pass() { say "ok: $*"; PASSED=$((PASSED + 1)); }

# --- Can this machine run it? ---
[ "$(id -u)" = 0 ] || skip "needs root (installs Debian's slurm packages, starts daemons)"
command -v apt-get >/dev/null || skip "needs apt-get (Debian's slurm 22.05 packages)"
[ -x "$PY" ] || fail "no $PY: run ./setup.sh first"
"$PY" -c "import snakemake_executor_plugin_slurm" 2>/dev/null \
  || fail "snakemake-executor-plugin-slurm is not installed in .venv (requirements.txt)"
[ -z "${SLURM_JOB_ID:-}" ] || skip "already inside a Slurm job"
for port in 6817 6818 6819; do
  if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
    skip "port $port is in use (another Slurm on this machine?)"
  fi
done

if [ -n "${LOCAL_RUN:-}" ] && [ ! -s "$LOCAL_RUN/results/$PRESET/tables/runs.csv" ]; then
  fail "LOCAL_RUN=$LOCAL_RUN holds no finished $PRESET run (results/$PRESET/tables/runs.csv)"
fi

debs="slurmctld slurmd slurmdbd slurm-client munge mariadb-server"
missing=$(for p in $debs; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
  say "installing $(echo $missing)"
  apt-get update -qq || fail "apt-get update"
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 $missing \
    >/dev/null || fail "apt-get install $missing"
fi

# --- Work folder and teardown ---
W=$(mktemp -d /tmp/nnstudies-slurm.XXXXXX)
mkdir -p "$W"/{log,run,state,spool,etc-backup}
PIDS=()          # daemons we started, stopped in reverse order
SNAKE_PID=""
ETC_WRITTEN=()   # files we wrote under /etc/slurm
cleanup() {
  local rc=$?
  set +e
  if [ -n "$SNAKE_PID" ] && kill -0 "$SNAKE_PID" 2>/dev/null; then
    # SNAKE_PID is `timeout`; SIGINT reaches snakemake through it, SIGKILL goes to both
    local kids; kids=$(pgrep -P "$SNAKE_PID")
    kill -INT "$SNAKE_PID"
    for _ in $(seq 60); do kill -0 "$SNAKE_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$SNAKE_PID" $kids 2>/dev/null
  fi
  if [ "${#PIDS[@]}" -gt 0 ] && command -v squeue >/dev/null; then
    for id in $(squeue -h -o %i 2>/dev/null); do scancel "$id" 2>/dev/null; done
    for _ in $(seq 60); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.5; done
  fi
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do  # one by one: slurmdbd before its database
    kill -TERM "${PIDS[i]}" 2>/dev/null
    for _ in $(seq 100); do kill -0 "${PIDS[i]}" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "${PIDS[i]}" 2>/dev/null
  done
  # the job step of the job cancelled mid-run can outlive its scancel here (its snakemake was left
  # sleeping, orphaned, once the daemons stopped): end whatever still runs from this test's folder
  pkill -KILL -f -- "$W/" 2>/dev/null
  for f in "${ETC_WRITTEN[@]}"; do
    rm -f "$f"
    [ -e "$W/etc-backup/$(basename "$f")" ] && cp -p "$W/etc-backup/$(basename "$f")" "$f"
  done
  if [ "$rc" != 0 ]; then
    say "logs of the daemons (last lines):"
    for f in "$W"/log/*.log; do [ -e "$f" ] && { echo "== $f"; tail -n 15 "$f"; }; done
  fi
  if [ -n "${KEEP:-}" ]; then say "kept $W"; else rm -rf "$W"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start() {  # start NAME CMD...: a daemon in the foreground of its own session, PID recorded
  local name=$1; shift
  setsid "$@" >>"$W/log/$name.out" 2>&1 < /dev/null &
  PIDS+=($!)
}
wait_for() {  # wait_for SECONDS WHAT CMD...
  local secs=$1 what=$2; shift 2
  for _ in $(seq $((secs * 2))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  fail "$what did not come up within ${secs}s"
}

# --- munge (default socket, so that every Slurm tool finds it) ---
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  say "munge: using the running munged"
else
  [ -s /etc/munge/munge.key ] || setpriv --reuid=munge --regid=munge --init-groups mungekey -c
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
  start munged setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F
  wait_for 20 munged sh -c 'munge -n | unmunge'
fi

# --- MariaDB for slurmdbd (own data folder, TCP on 127.0.0.1 only) ---
DBPORT=33069
mariadb-install-db --no-defaults --user=root --datadir="$W/mysql" \
  --auth-root-authentication-method=socket >"$W/log/mariadb-install.log" 2>&1 \
  || fail "mariadb-install-db (see $W/log/mariadb-install.log)"
start mariadb /usr/sbin/mariadbd --no-defaults --user=root --datadir="$W/mysql" \
  --socket="$W/run/mysqld.sock" --port=$DBPORT --bind-address=127.0.0.1 --skip-name-resolve \
  --pid-file="$W/run/mysqld.pid" --log-error="$W/log/mariadb.log" --innodb-buffer-pool-size=64M
sql() { mariadb --no-defaults -S "$W/run/mysqld.sock" -u root -e "$1"; }
wait_for 60 mariadb sql "SELECT 1"
sql "CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY 'nnstudies';
     GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';" || fail "creating the database user"

# --- Slurm configuration (the plugin's job steps need it at /etc/slurm/slurm.conf) ---
HOST=$(hostname -s)
read -r CPUS MEM < <(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*RealMemory=\([0-9]*\).*/\1 \2/p')
MEM=$((MEM * 9 / 10))
mkdir -p /etc/slurm
for f in /etc/slurm/slurm.conf /etc/slurm/slurmdbd.conf; do
  [ -e "$f" ] && cp -p "$f" "$W/etc-backup/"
  ETC_WRITTEN+=("$f")
done
cat >/etc/slurm/slurmdbd.conf <<EOF
AuthType=auth/munge
DbdHost=localhost
DbdPort=6819
SlurmUser=root
LogFile=$W/log/slurmdbd.log
PidFile=$W/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DBPORT
StorageUser=slurm
StoragePass=nnstudies
StorageLoc=slurm_acct_db
EOF
chmod 0600 /etc/slurm/slurmdbd.conf
cat >/etc/slurm/slurm.conf <<EOF
ClusterName=nnstudies
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/run/slurmctld.pid
SlurmdPidFile=$W/run/slurmd.pid
SlurmctldLogFile=$W/log/slurmctld.log
SlurmdLogFile=$W/log/slurmd.log
# no cgroups here: plain process tracking, CPU binding by affinity
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobAcctGatherType=jobacct_gather/linux
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=6819
AccountingStoreFlags=job_comment
JobCompType=jobcomp/none
MinJobAge=600
KillWait=10
InactiveLimit=0
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

start slurmdbd /usr/sbin/slurmdbd -D
wait_for 60 slurmdbd sacctmgr -n list cluster
sacctmgr -i add cluster nnstudies >/dev/null 2>&1
start slurmctld /usr/sbin/slurmctld -D -i
wait_for 60 slurmctld scontrol ping
start slurmd /usr/sbin/slurmd -D -N "$HOST"
wait_for 60 "node $HOST" sh -c "sinfo -h -n $HOST -o %t | grep -qx idle"
say "Slurm $(sinfo --version | cut -d' ' -f2) up: node $HOST, $CPUS CPUs, $MEM MB"

# --- Runs: a local run (or LOCAL_RUN) and the same preset through profiles/slurm ---
copy_repo() {
  mkdir -p "$1"
  cp -r "$REPO"/{Snakefile,config.yaml,workflow,report,envs,profiles} "$1"/
  mkdir -p "$REPO/data"
  ln -s "$REPO/data" "$1/data"
  ln -s "$REPO/.venv" "$1/.venv"
}
snake() {  # snake DIR ARGS...: bounded by a SIGINT timeout (a wedged status loop ignores TERM)
  local dir=$1; shift
  (cd "$dir" && exec timeout -s INT -k 60 "$TIMEOUT" .venv/bin/snakemake "$@") &
  SNAKE_PID=$!
  wait "$SNAKE_PID"; local rc=$?
  SNAKE_PID=""
  return $rc
}
QUICK=(--config "preset=$PRESET")
if [ -n "${LOCAL_RUN:-}" ]; then
  LOCAL=$(cd "$LOCAL_RUN" && pwd)
  say "local run: reusing $LOCAL"
else
  LOCAL="$W/local"
  copy_repo "$LOCAL"
  t0=$(date +%s)
  snake "$LOCAL" --cores 2 "${QUICK[@]}" >"$W/log/local-run.log" 2>&1 \
    || { tail -n 40 "$W/log/local-run.log"; fail "local $PRESET run"; }
  say "local $PRESET run (--cores 2): $(($(date +%s) - t0)) s"
fi

SL="$W/slurm"
copy_repo "$SL"
START=$(date +%Y-%m-%dT%H:%M:%S)

# --- The preset through profiles/slurm; one training job is cancelled mid-run ---
# It must fail like a local job: snakemake goes on with the others (keep-going) and exits
# non-zero, the job leaves no complete-looking output, and the same command again finishes.
# The jobs this run will submit: the dry run's job-stats total before it starts (fetch_raw only
# when the raw files are missing), less the local rule `all`. Train jobs print their message
# instead of a "rule train:" block, so blocks cannot be counted.
n_jobs=$(($(cd "$SL" && .venv/bin/snakemake -n --cores 1 "${QUICK[@]}" \
  --workflow-profile none 2>/dev/null | awk '$1 == "total" {print $2; exit}') - 1))
RUN=results/$PRESET/runs/architectures/cnn_4/seed0
LOG=results/$PRESET/logs/train/architectures/cnn_4/seed0.log  # under the results folder (issue 8)
COMMENT=rule_train_wildcards_architectures_cnn_4_0   # the plugin's job comment
t0=$(date +%s)
(cd "$SL" && exec timeout -s INT -k 60 "$TIMEOUT" .venv/bin/snakemake \
  --workflow-profile profiles/slurm "${QUICK[@]}") >"$W/log/slurm-run.log" 2>&1 &
SNAKE_PID=$!
job=""
for _ in $(seq $((TIMEOUT * 2))); do
  kill -0 "$SNAKE_PID" 2>/dev/null || break
  if [ -s "$SL/$LOG" ]; then  # the training script has started
    job=$(squeue -h -t R -o "%i %k" | awk -v c="$COMMENT" '$2 == c {print $1}')
    [ -n "$job" ] && break
  fi
  sleep 0.5
done
[ -n "$job" ] || { tail -n 40 "$W/log/slurm-run.log"; fail "never saw $RUN's job running"; }
scancel "$job"
wait "$SNAKE_PID" && fail "snakemake succeeded although its training job $job was cancelled"
SNAKE_PID=""
t1=$(date +%s)
state=$(sacct -X -n -P -j "$job" -o State | head -1)
[[ "$state" == CANCELLED* ]] || fail "sacct says '$state' for the cancelled job $job"
[ ! -e "$SL/$RUN/summary.json" ] || fail "the cancelled job left $RUN/summary.json"
(cd "$SL" && .venv/bin/snakemake -n "${QUICK[@]}" --workflow-profile none --cores 1 \
  --rerun-incomplete) | grep -F "train architectures cnn_4 seed 0:" >/dev/null \
  || fail "after the cancel, snakemake does not plan to redo $RUN"
pass "cancelled job $job mid-run: snakemake failed after $((t1 - t0)) s, sacct says $state," \
  "no summary.json, the job is planned again"

snake "$SL" --workflow-profile profiles/slurm "${QUICK[@]}" >"$W/log/rerun.log" 2>&1 \
  || { tail -n 60 "$W/log/rerun.log"; fail "rerun after the cancel"; }
pass "the rerun finished the study in $(($(date +%s) - t1)) s" \
  "($PRESET preset through Slurm, cancel included: $(($(date +%s) - t0)) s)"

# --- Every job ran under Slurm ---
sacct -X -n -P -S "$START" -o JobID,State,Comment >"$W/sacct.txt"
n_done=$(grep -c "|COMPLETED|" "$W/sacct.txt")
n_train=$(grep "|COMPLETED|" "$W/sacct.txt" | grep -c "|rule_train_")
[ "$n_done" -ge "$n_jobs" ] && [ "$n_train" -ge 1 ] || { cat "$W/sacct.txt"; fail "sacct"; }
pass "sacct: $n_done jobs COMPLETED under Slurm ($n_train training) for the $n_jobs of the DAG"

# --- Same numbers as the local run ---
"$PY" "$REPO/.ci/compare_runs.py" "$LOCAL/results/$PRESET" "$SL/results/$PRESET" \
  || fail "the Slurm run's numbers differ from the local run's"
pass "the Slurm run's tables, curves, summaries and report text equal the local run's"
say "$PASSED passed, 0 failed"
