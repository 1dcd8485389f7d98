#!/usr/bin/env bash
# A throwaway single-node Slurm cluster on localhost, for test/distributed/slurm.test.ts.
#
#   slurm-cluster.sh start [DIR]   write DIR/slurm.conf, start munged, slurmctld and slurmd (as root, in the
#                                  background, pid files in DIR), wait until the node takes jobs
#   slurm-cluster.sh stop  [DIR]   kill the daemons started from DIR (by their pid files)
#
# Everything lives in DIR (default /tmp/cellspread-slurm): config, munge key and socket, state, spool, logs. Nothing
# under /etc is touched, and no systemd or cgroups are needed (proctrack/linuxproc, task/none). Clients find the
# cluster through SLURM_CONF=DIR/slurm.conf. Ports: SLURM_TEST_PORT (default 16817) and the next one.
set -euo pipefail

cmd="${1:-}"
DIR="${2:-/tmp/cellspread-slurm}"
PORT="${SLURM_TEST_PORT:-16817}"

die() { echo "slurm-cluster: $*" >&2; exit 1; }

stop_daemons() {
  for name in slurmd slurmctld munged; do
    local pidfile="$DIR/$name.pid"
    [ -f "$pidfile" ] || continue
    local pid
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

start() {
  [ "$(id -u)" = "0" ] || die "must run as root (SlurmUser=root, SlurmdUser=root)"
  for b in munged slurmctld slurmd sbatch scontrol sinfo; do
    command -v "$b" >/dev/null 2>&1 || die "$b not found: apt-get install slurm-wlm munge (see .ci/run)"
  done
  stop_daemons
  rm -rf "$DIR/state" "$DIR/spool" "$DIR"/*.log
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/munge" "$DIR/jobs"
  chmod 700 "$DIR/munge"

  # munge: own key, socket and pid file, so a system munged (if any) is left alone.
  if [ ! -s "$DIR/munge/munge.key" ]; then
    if command -v mungekey >/dev/null 2>&1; then mungekey --create --keyfile="$DIR/munge/munge.key" --force
    else dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none; fi
  fi
  chmod 600 "$DIR/munge/munge.key"
  munged --force --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/munge.socket" \
    --pid-file="$DIR/munged.pid" --log-file="$DIR/munged.log" --seed-file="$DIR/munge/munge.seed"
  for _ in $(seq 1 50); do [ -S "$DIR/munge/munge.socket" ] && break; sleep 0.1; done
  [ -S "$DIR/munge/munge.socket" ] || die "munged did not start: $(tail -5 "$DIR/munged.log" 2>/dev/null)"

  cat > "$DIR/slurm.conf" <<CONF
ClusterName=cellspread-test
SlurmctldHost=localhost
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName=localhost CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$DIR/slurm.conf"

  # -D: stay in the foreground (no double fork); we background them ourselves and record the pids.
  setsid slurmctld -D -i -f "$SLURM_CONF" >"$DIR/slurmctld.out" 2>&1 < /dev/null &
  echo $! > "$DIR/slurmctld.pid"
  for _ in $(seq 1 100); do scontrol ping 2>/dev/null | grep -q 'is UP' && break; sleep 0.2; done
  scontrol ping 2>/dev/null | grep -q 'is UP' || die "slurmctld did not come up: $(tail -20 "$DIR/slurmctld.log" "$DIR/slurmctld.out" 2>/dev/null)"

  setsid slurmd -D -N localhost -f "$SLURM_CONF" >"$DIR/slurmd.out" 2>&1 < /dev/null &
  echo $! > "$DIR/slurmd.pid"
  local state=""
  for _ in $(seq 1 150); do
    state="$(sinfo -h -n localhost -o %T 2>/dev/null || true)"
    case "$state" in idle|mixed|allocated) break ;; esac
    sleep 0.2
  done
  case "$state" in
    idle|mixed|allocated) ;;
    *) die "node localhost is not ready (state \"$state\"): $(tail -20 "$DIR/slurmd.log" "$DIR/slurmd.out" 2>/dev/null)" ;;
  esac
  echo "slurm-cluster: up in $DIR (SLURM_CONF=$SLURM_CONF)"
}

case "$cmd" in
  start) start ;;
  stop) stop_daemons; echo "slurm-cluster: stopped ($DIR)" ;;
  *) die "usage: slurm-cluster.sh start|stop [DIR]" ;;
esac
