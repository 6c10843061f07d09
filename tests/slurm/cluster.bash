# A one-node Slurm cluster of its own (munged, slurmctld, slurmd), for the Slurm tests: its own
# config folder, state, ports and munge socket and key under $CLUSTER, so nothing in /etc is used
# or changed. Sourced; `cluster_start` needs root (slurmd runs jobs as their user) and the Debian
# packages slurm-wlm and munge. `cluster_stop` ends the daemons it started (by their pid files).
set -u

cluster_fail() { echo "FAIL: $*"; [ -n "${CLUSTER:-}" ] && tail -n 20 "$CLUSTER"/*.log 2>/dev/null; exit 1; }

# cluster_start DIR: writes the config under DIR and starts the daemons; exports SLURM_CONF.
cluster_start() {
  CLUSTER="$1"
  [ "$(id -u)" -eq 0 ] || cluster_fail "the Slurm test needs root (slurmd must start jobs as their user)"
  for tool in munged mungekey slurmctld slurmd sbatch squeue scancel sinfo; do
    command -v "$tool" >/dev/null || cluster_fail "$tool not found: scripts/install-deps.sh installs slurm-wlm and munge"
  done
  mkdir -p "$CLUSTER"/{munge,state,spool}
  chmod 700 "$CLUSTER/munge"
  mungekey --create --keyfile="$CLUSTER/munge/munge.key" --force 2>/dev/null || cluster_fail "mungekey"
  chmod 400 "$CLUSTER/munge/munge.key"
  munged --force --socket="$CLUSTER/munge/munge.socket" --key-file="$CLUSTER/munge/munge.key" \
    --pid-file="$CLUSTER/munge/munged.pid" --log-file="$CLUSTER/munge.log" --seed-file="$CLUSTER/munge/seed" \
    || cluster_fail "munged did not start"
  # Free ports: the kernel's choice for two sockets, so parallel tests and a real Slurm do not collide.
  read -r CTLD_PORT SLURMD_PORT < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
  local node cpus memory
  node=$(hostname -s); cpus=$(nproc); memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
  cat >"$CLUSTER/slurm.conf" <<CONF
ClusterName=nsttest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$CLUSTER/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$CLUSTER/state
SlurmdSpoolDir=$CLUSTER/spool
SlurmctldPidFile=$CLUSTER/slurmctld.pid
SlurmdPidFile=$CLUSTER/slurmd.pid
SlurmctldLogFile=$CLUSTER/slurmctld.log
SlurmdLogFile=$CLUSTER/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
KillWait=20
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=nsttest Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$CLUSTER/slurm.conf"
  slurmctld -i || cluster_fail "slurmctld did not start"
  slurmd || cluster_fail "slurmd did not start"
  for _ in $(seq 1 100); do
    sinfo -h -o %T 2>/dev/null | grep -q -E '^(idle|mixed)' && return 0
    sleep 0.2
  done
  sinfo 2>&1; cluster_fail "the node did not come up idle within 20 s"
}

cluster_stop() {
  [ -n "${CLUSTER:-}" ] || return 0
  local f pid
  for f in "$CLUSTER/slurmd.pid" "$CLUSTER/slurmctld.pid" "$CLUSTER/munge/munged.pid"; do
    [ -s "$f" ] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
