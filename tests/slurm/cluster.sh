#!/usr/bin/env bash
# cluster.sh -- a throw-away single-node Slurm cluster on localhost for the tests:
# munged, slurmctld and slurmd from Debian's packages, as root, no systemd, no
# cgroups, private munge key and socket, ports chosen free. Tested on Debian 12
# (slurm-wlm 22.05, munge 0.5.15, Open MPI 4.1).
#
# Usage: cluster.sh check                can a cluster run here? exit 0, or print why and exit 77
#        cluster.sh start                start the daemons, wait until the node is idle
#        cluster.sh stop                 cancel jobs, stop the three daemons by their PIDs
#        cluster.sh wait JOBID [TMO_S]   poll until the job has ended; print its final state
#        cluster.sh state JOBID          print the job's state (empty if unknown)
# Env:   SLURM_TEST_DIR  state directory (required for start/stop; start wipes it;
#                        not on a noexec mount: slurmd runs job scripts from it)
#        SLURM_NODE_CPUS advertise this many CPUs (default: what slurmd -C finds)
#        SLURM_CRED_EXPIRE  job credential lifetime in s (default 5): a requeued job
#                        waits this long before it may start again (Slurm's default
#                        is 120 s; the tests shorten it)
# After start, $SLURM_TEST_DIR/env.sh exports SLURM_CONF for sbatch/squeue/scontrol.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin          # munged, slurmctld, slurmd live in sbin

BASE=${SLURM_TEST_DIR:-}
CONF=$BASE/slurm.conf
MUNGE_SOCK=$BASE/munge/munge.socket
[ -n "$BASE" ] && export SLURM_CONF=$CONF

log() { echo "[cluster $(date +%T)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
need_base() { [ -n "$BASE" ] || die "set SLURM_TEST_DIR"; }

daemon_pid() {   # NAME: pid if its pidfile names a live process called NAME
    local name=$1 f p
    case $name in munged) f=$BASE/munge/munged.pid ;; *) f=$BASE/run/$name.pid ;; esac
    [ -s "$f" ] || return 1
    p=$(cat "$f")
    kill -0 "$p" 2>/dev/null || return 1
    [ "$(cat /proc/"$p"/comm 2>/dev/null)" = "$name" ] || return 1
    echo "$p"
}

wait_pidfile() {   # NAME TIMEOUT_S
    local i
    for ((i = 0; i < $2 * 10; i++)); do daemon_pid "$1" >/dev/null && return 0; sleep 0.1; done
    return 1
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {   # first free TCP port from $1 upwards, skipping $2
    local p=$1
    while port_busy "$p" || [ "$p" = "${2:-}" ]; do p=$((p + 1)); done
    echo "$p"
}

check() {   # exit 77 (ctest: skipped) with the reason when a cluster cannot run here
    if [ "$(id -u)" != 0 ]; then
        echo "SKIP: the local Slurm cluster needs root (SlurmUser=root); running as $(id -un)"
        exit 77
    fi
    local c missing=()
    for c in munged mungekey munge unmunge slurmctld slurmd sbatch srun sinfo squeue scontrol scancel; do
        command -v $c >/dev/null || missing+=("$c")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "SKIP: not installed: ${missing[*]} (apt-get install slurm-wlm munge)"
        exit 77
    fi
}

start() {
    local t0=$SECONDS p i st hw extra="" ctld_port slurmd_port
    need_base
    check >/dev/null || die "$(check)"
    for name in munged slurmctld slurmd; do
        p=$(daemon_pid $name) && die "$name already running (pid $p) for $BASE"
    done
    ctld_port=$(free_port "${SLURMCTLD_PORT:-16817}")
    slurmd_port=$(free_port $((ctld_port + 1)) "$ctld_port")
    rm -rf "$BASE"
    mkdir -p "$BASE"/{munge,state,spool,log,run,jobs}
    chmod 755 "$BASE" "$BASE/munge"          # munged insists the socket dir is o+x

    mungekey -c -k "$BASE/munge/munge.key" 2>/dev/null ||
        dd if=/dev/urandom of="$BASE/munge/munge.key" bs=1024 count=1 status=none
    chmod 600 "$BASE/munge/munge.key"
    munged --key-file="$BASE/munge/munge.key" --socket="$MUNGE_SOCK" \
           --pid-file="$BASE/munge/munged.pid" --log-file="$BASE/munge/munged.log" \
           --seed-file="$BASE/munge/munged.seed" || die "munged failed: $(tail -3 "$BASE/munge/munged.log")"
    wait_pidfile munged 10 || die "munged did not start"
    munge -n -S "$MUNGE_SOCK" | unmunge -S "$MUNGE_SOCK" >/dev/null || die "munge self-test failed"

    hw=$(slurmd -C | head -1 | sed -e 's/^NodeName=[^ ]*//' -e 's/ RealMemory=[0-9]*//')
    if [ -n "${SLURM_NODE_CPUS:-}" ]; then
        hw="CPUs=$SLURM_NODE_CPUS"; extra="SlurmdParameters=config_overrides"
    fi
    cat >"$CONF" <<EOF
ClusterName=qthermotest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCK,cred_expire=${SLURM_CRED_EXPIRE:-5}
StateSaveLocation=$BASE/state
SlurmdSpoolDir=$BASE/spool
SlurmctldPidFile=$BASE/run/slurmctld.pid
SlurmdPidFile=$BASE/run/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,bf_interval=2
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=10
MinJobAge=600
$extra
NodeName=localhost NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

    slurmctld -f "$CONF" || die "slurmctld failed: $(tail -5 "$BASE/log/slurmctld.log")"
    wait_pidfile slurmctld 15 || die "slurmctld did not start: $(tail -5 "$BASE/log/slurmctld.log")"
    slurmd -f "$CONF" -N localhost || die "slurmd failed: $(tail -5 "$BASE/log/slurmd.log")"
    wait_pidfile slurmd 15 || die "slurmd did not start: $(tail -5 "$BASE/log/slurmd.log")"

    st=
    for ((i = 0; i < 600; i++)); do      # up to 60 s for the node to register
        st=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
        [ "$st" = idle ] && break
        case $st in down* | drain*) scontrol update NodeName=localhost State=RESUME 2>/dev/null || true ;; esac
        sleep 0.1
    done
    [ "$st" = idle ] || { sinfo -R || true; die "node not idle (state '$st'); see $BASE/log/"; }
    echo "export SLURM_CONF=$CONF" >"$BASE/env.sh"
    log "cluster up in $((SECONDS - t0)) s (ports $ctld_port/$slurmd_port): munged=$(daemon_pid munged)" \
        "slurmctld=$(daemon_pid slurmctld) slurmd=$(daemon_pid slurmd)"
}

state() { scontrol -o show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }

wait_job() {   # JOBID [TIMEOUT_S]: prints the final state; exit 0 iff COMPLETED
    local id=$1 tmo=${2:-600} t0=$SECONDS st
    while :; do
        st=$(state "$id")
        case $st in
            COMPLETED) echo "$st"; return 0 ;;
            FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED | BOOT_FAIL | DEADLINE)
                echo "$st"; return 1 ;;
            "") echo UNKNOWN; return 1 ;;
        esac
        if ((SECONDS - t0 >= tmo)); then
            log "timeout waiting for job $id (state $st)"; scancel "$id" || true; echo "$st"; return 1
        fi
        sleep 0.5
    done
}

stop() {
    local i
    need_base
    if daemon_pid slurmctld >/dev/null; then      # let running jobs end first
        scancel --full -u root 2>/dev/null || true
        for ((i = 0; i < 150; i++)); do
            [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
            sleep 0.2
        done
    fi
    stop_pids slurmd slurmctld
    stop_pids munged
}

stop_pids() {   # NAME...: SIGTERM by recorded PID, wait up to 15 s, then SIGKILL
    local name p i n pids=() names=()
    for name in "$@"; do
        p=$(daemon_pid "$name") && { kill -TERM "$p"; pids+=("$p"); names+=("$name"); }
    done
    for ((i = 0; i < ${#pids[@]}; i++)); do
        p=${pids[i]}
        for ((n = 0; n < 150; n++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$p" 2>/dev/null; then
            log "${names[i]} ($p) ignored SIGTERM, sending SIGKILL"; kill -KILL "$p" || true
        fi
        log "stopped ${names[i]} (pid $p)"
    done
}

case ${1:-} in
    check) check; echo "ok: root and Slurm binaries present" ;;
    start) start ;;
    stop) stop ;;
    wait) wait_job "${2:?jobid}" "${3:-600}" ;;
    state) state "${2:?jobid}" ;;
    *) sed -n '2,18p' "$0"; exit 2 ;;
esac
