#!/usr/bin/env bash
# cluster.sh -- a throw-away Slurm cluster on this one machine for the tests and
# for trying job scripts: munged, slurmctld and one slurmd per node from Debian's
# packages, as root, no systemd, no cgroups, private munge key and socket, ports
# chosen free. Tested on Debian 12 (slurm-wlm 22.05, munge 0.5.15, Open MPI 4.1,
# PMIx 4.2).
#
# One node (SLURM_TEST_NODES=1, the default): node "localhost", a plain slurmd.
# Several nodes (SLURM_TEST_NODES=K, 2..64): nodes n1..nK, one slurmd each. Each
# slurmd runs in a UTS and mount namespace of its own (not a network or PID
# namespace): hostname nI, a private tmpfs on /dev/shm and an /etc/hosts that
# names n1..nK (127.0.1.I). Its job steps and tasks inherit that, so Open MPI
# sees K different hosts: ranks on one node use shared memory, ranks on
# different nodes talk over TCP, as on a real cluster. Launch MPI programs with
# `srun --mpi=pmix` (Debian's Open MPI has no PMI-2) or Open MPI's mpirun.
#
# Usage: cluster.sh check                can a cluster run here? exit 0, or print why and exit 77
#        cluster.sh start                start the daemons, wait until every node is idle
#        cluster.sh stop                 cancel jobs, stop the daemons by their PIDs
#        cluster.sh wait JOBID [TMO_S]   poll until the job has ended; print its final state
#        cluster.sh state JOBID          print the job's state (empty if unknown)
#        cluster.sh node-down NODE       crash node nI: SIGKILL its slurmd and every process
#                                        started in its namespace (job steps, tasks)
#        cluster.sh node-up NODE         start node nI's slurmd again, wait until it is idle
#        cluster.sh pids NODE            PIDs of the processes running on node nI
#        cluster.sh leftovers            after stop: list any daemon (and, with several
#                                        nodes, any process on a node) still alive; exit 1 if any
# Env:   SLURM_TEST_DIR  state directory (required; start wipes it; not on a noexec
#                        mount: slurmd runs job scripts from it)
#        SLURM_TEST_NODES  number of nodes (default 1)
#        SLURM_NODE_CPUS advertise this many CPUs per node (default: what slurmd -C
#                        finds, so several nodes share the same real CPUs)
#        SLURM_CRED_EXPIRE  job credential lifetime in s (default 5): a requeued job
#                        waits this long before it may start again (Slurm's default
#                        is 120 s; the tests shorten it)
#        SLURM_SLURMD_TIMEOUT  s without an answer after which slurmctld declares a
#                        node down and fails its jobs (default 30)
#        SLURM_KILL_WAIT s between SIGTERM and SIGKILL when a job step ends (default 10)
# After start, $SLURM_TEST_DIR/env.sh exports SLURM_CONF for sbatch/squeue/scontrol.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin          # munged, slurmctld, slurmd live in sbin

BASE=${SLURM_TEST_DIR:-}
NODES=${SLURM_TEST_NODES:-1}
# a running cluster knows its own size (node-down, stop, ... need not be told)
[ -n "$BASE" ] && [ "${1:-}" != start ] && [ -s "$BASE/nodes" ] && NODES=$(cat "$BASE/nodes")
CONF=$BASE/slurm.conf
MUNGE_SOCK=$BASE/munge/munge.socket
[ -n "$BASE" ] && export SLURM_CONF=$CONF

log() { echo "[cluster $(date +%T)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
need_base() { [ -n "$BASE" ] || die "set SLURM_TEST_DIR"; }
multi() { [ "$NODES" -gt 1 ]; }

node_names() { if multi; then seq -f 'n%g' 1 "$NODES"; else echo localhost; fi; }
slurmd_name() { if multi; then echo "slurmd-$1"; else echo slurmd; fi; }   # NODE -> pidfile name

daemon_pid() {   # NAME (munged, slurmctld, slurmd, slurmd-nI): pid if alive and really that daemon
    local name=$1 f p
    case $name in munged) f=$BASE/munge/munged.pid ;; *) f=$BASE/run/$name.pid ;; esac
    [ -s "$f" ] || return 1
    p=$(cat "$f")
    kill -0 "$p" 2>/dev/null || return 1
    [ "$(cat /proc/"$p"/comm 2>/dev/null)" = "${name%%-*}" ] || return 1
    echo "$p"
}

wait_pidfile() {   # NAME TIMEOUT_S
    local i
    for ((i = 0; i < $2 * 10; i++)); do daemon_pid "$1" >/dev/null && return 0; sleep 0.1; done
    return 1
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {   # first free TCP port from $1 upwards that is not among $2...
    local p=$1 taken=" ${*:2} "
    while port_busy "$p" || [[ $taken == *" $p "* ]]; do p=$((p + 1)); done
    echo "$p"
}

# A node's own hostname, /dev/shm and /etc/hosts need a UTS and a mount namespace.
namespaces_work() {
    unshare --uts --mount --propagation private /bin/sh -c \
        'hostname qthermo-ns-check && mount -t tmpfs none /dev/shm' 2>/dev/null
}

check() {   # exit 77 (ctest: skipped) with the reason when a cluster cannot run here
    if [ "$(id -u)" != 0 ]; then
        echo "SKIP: the local Slurm cluster needs root (SlurmUser=root); running as $(id -un)"
        exit 77
    fi
    local c missing=()
    for c in munged mungekey munge unmunge slurmctld slurmd sbatch srun sinfo squeue scontrol scancel unshare; do
        command -v $c >/dev/null || missing+=("$c")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "SKIP: not installed: ${missing[*]} (apt-get install slurm-wlm munge util-linux)"
        exit 77
    fi
    if multi && ! namespaces_work; then
        echo "SKIP: a $NODES-node cluster needs UTS and mount namespaces (unshare --uts --mount, mount tmpfs), not permitted here"
        exit 77
    fi
}

start_munge() {
    mungekey -c -k "$BASE/munge/munge.key" 2>/dev/null ||
        dd if=/dev/urandom of="$BASE/munge/munge.key" bs=1024 count=1 status=none
    chmod 600 "$BASE/munge/munge.key"
    munged --key-file="$BASE/munge/munge.key" --socket="$MUNGE_SOCK" \
           --pid-file="$BASE/munge/munged.pid" --log-file="$BASE/munge/munged.log" \
           --seed-file="$BASE/munge/munged.seed" || die "munged failed: $(tail -3 "$BASE/munge/munged.log")"
    wait_pidfile munged 10 || die "munged did not start"
    munge -n -S "$MUNGE_SOCK" | unmunge -S "$MUNGE_SOCK" >/dev/null || die "munge self-test failed"
}

write_conf() {   # CTLD_PORT SLURMD_PORT...: slurm.conf (and mpi.conf) for the node list
    local ctld_port=$1 hw extra="" i=0 node per_node nodelines=""
    shift
    hw=$(slurmd -C | head -1 | sed -e 's/^NodeName=[^ ]*//' -e 's/ RealMemory=[0-9]*//')
    if [ -n "${SLURM_NODE_CPUS:-}" ]; then
        hw="CPUs=$SLURM_NODE_CPUS"; extra="SlurmdParameters=config_overrides"
    fi
    if multi; then
        per_node="SlurmdSpoolDir=$BASE/node/%n/spool
TmpFS=$BASE/node/%n/tmp
SlurmdPidFile=$BASE/run/slurmd-%n.pid
SlurmdLogFile=$BASE/log/slurmd-%n.log"
        for node in $(node_names); do
            i=$((i + 1))
            nodelines+="NodeName=$node NodeHostname=$node NodeAddr=127.0.1.$i Port=${!i} $hw State=UNKNOWN"$'\n'
        done
    else
        per_node="SlurmdPort=$1
SlurmdSpoolDir=$BASE/spool
SlurmdPidFile=$BASE/run/slurmd.pid
SlurmdLogFile=$BASE/log/slurmd.log"
        nodelines="NodeName=localhost NodeAddr=127.0.0.1 $hw State=UNKNOWN"$'\n'
    fi
    cat >"$CONF" <<EOF
ClusterName=qthermotest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCK,cred_expire=${SLURM_CRED_EXPIRE:-5}
StateSaveLocation=$BASE/state
$per_node
SlurmctldPidFile=$BASE/run/slurmctld.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
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
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,sched_interval=2,bf_interval=2
MpiDefault=none
ReturnToService=2
SlurmdTimeout=${SLURM_SLURMD_TIMEOUT:-30}
InactiveLimit=0
KillWait=${SLURM_KILL_WAIT:-10}
MinJobAge=600
$extra
${nodelines}PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    # Slurm 22.05 runs a PMIx fence that carries no data (the last barrier of
    # MPI_Init) over a tree that, with fewer nodes in the step than TreeWidth,
    # only spans the local node: ranks may then leave MPI_Init before the ranks
    # of another node can be reached. A ring fence really spans every node.
    echo "PMIxCollFence=ring" >"$BASE/mpi.conf"
}

start_slurmd() {   # NODE: one node's slurmd (multi: inside its own UTS + mount namespace)
    local node=$1
    if multi; then
        # slurmd forks into the background inside the namespace; its job steps
        # and their tasks inherit hostname, /dev/shm and /etc/hosts.
        # shellcheck disable=SC2016  # expanded by the inner shell
        unshare --uts --mount --propagation private /bin/sh -c '
            hostname "$1" &&
            mount -t tmpfs -o mode=1777 "shm-$1" /dev/shm &&
            mount --bind "$2" /etc/hosts &&
            exec slurmd -f "$3" -N "$1"' sh "$node" "$BASE/etc/hosts" "$CONF" ||
            die "slurmd $node failed: $(tail -5 "$BASE/log/slurmd-$node.log" 2>/dev/null)"
    else
        slurmd -f "$CONF" -N localhost || die "slurmd failed: $(tail -5 "$BASE/log/slurmd.log")"
    fi
}

record_namespace() {   # NODE: remember the node's UTS namespace, to find its processes later
    local p
    multi || return 0
    p=$(daemon_pid "$(slurmd_name "$1")") || die "slurmd $1 is not running"
    readlink "/proc/$p/ns/uts" >"$BASE/run/$1.uts"
}

wait_idle() {   # NODE...: up to 60 s until all are idle
    local i st idle nodes=("$@") down
    for ((i = 0; i < 600; i++)); do
        st=$(sinfo -h -N -n "$(IFS=,; echo "${nodes[*]}")" -o '%N %T' 2>/dev/null || true)
        idle=$(grep -c ' idle$' <<<"$st" || true)
        [ "$idle" = "${#nodes[@]}" ] && return 0
        down=$(awk '$2 ~ /^(down|drain)/ {print $1}' <<<"$st" | paste -sd, -)
        [ -z "$down" ] || scontrol update NodeName="$down" State=RESUME 2>/dev/null || true
        sleep 0.1
    done
    sinfo -N -R || true
    die "only $idle of ${#nodes[@]} nodes idle; see $BASE/log/"
}

start() {
    local t0=$SECONDS p name node ctld_port ports=() i
    need_base
    if ! [[ $NODES =~ ^[1-9][0-9]*$ ]] || ((NODES > 64)); then die "SLURM_TEST_NODES must be 1..64"; fi
    (check) >/dev/null || die "$(check)"
    for name in munged slurmctld $(for node in $(node_names); do slurmd_name "$node"; done); do
        p=$(daemon_pid "$name") && die "$name already running (pid $p) for $BASE"
    done
    ctld_port=$(free_port "${SLURMCTLD_PORT:-16817}")
    p=$ctld_port
    for ((i = 0; i < NODES; i++)); do
        p=$(free_port $((p + 1)) "$ctld_port" "${ports[@]}"); ports+=("$p")
    done
    rm -rf "$BASE"
    mkdir -p "$BASE"/{munge,state,spool,log,run,jobs,etc}
    chmod 755 "$BASE" "$BASE/munge"          # munged insists the socket dir is o+x
    echo "$NODES" >"$BASE/nodes"
    start_munge
    if multi; then
        {
            echo "# $BASE: seen as /etc/hosts on the emulated nodes only"
            i=0
            for node in $(node_names); do i=$((i + 1)); echo "127.0.1.$i $node"; done
            cat /etc/hosts
        } >"$BASE/etc/hosts"
        for node in $(node_names); do
            mkdir -p "$BASE/node/$node"/{spool,tmp}
            chmod 1777 "$BASE/node/$node/tmp"
        done
    fi
    write_conf "$ctld_port" "${ports[@]}"

    slurmctld -f "$CONF" || die "slurmctld failed: $(tail -5 "$BASE/log/slurmctld.log")"
    wait_pidfile slurmctld 15 || die "slurmctld did not start: $(tail -5 "$BASE/log/slurmctld.log")"
    for node in $(node_names); do start_slurmd "$node"; done
    for node in $(node_names); do
        wait_pidfile "$(slurmd_name "$node")" 15 || die "slurmd $node did not start; see $BASE/log/"
        record_namespace "$node"
    done
    # shellcheck disable=SC2046
    wait_idle $(node_names)
    echo "export SLURM_CONF=$CONF" >"$BASE/env.sh"
    log "cluster up in $((SECONDS - t0)) s: $NODES node(s) $(node_names | paste -sd' ' -), ports" \
        "$ctld_port/${ports[*]}, munged=$(daemon_pid munged) slurmctld=$(daemon_pid slurmctld)"
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

node_pids() {   # NODE: every process in the node's UTS namespace (multi-node only)
    local ns f p
    multi || die "node-down/node-up/pids need SLURM_TEST_NODES >= 2"
    f=$BASE/run/$1.uts
    [ -s "$f" ] || die "unknown node $1"
    ns=$(cat "$f")
    [ "$ns" != "$(readlink /proc/self/ns/uts)" ] || die "node $1 shares this shell's namespace"
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/ns/uts" 2>/dev/null)" = "$ns" ] && echo "${p#/proc/}"
    done
    return 0
}

node_down() {   # NODE: what a power cut does to it, SIGKILL to everything on it
    local i pids
    for ((i = 0; i < 50; i++)); do       # again while job steps fork
        pids=$(node_pids "$1")
        [ -z "$pids" ] && { log "node $1 is down"; return 0; }
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null || true
        sleep 0.1
    done
    die "processes of node $1 survive SIGKILL: $pids"
}

node_up() {   # NODE
    local name
    name=$(slurmd_name "$1")
    daemon_pid "$name" >/dev/null && die "node $1 is up already"
    start_slurmd "$1"
    wait_pidfile "$name" 15 || die "slurmd $1 did not start; see $BASE/log/"
    record_namespace "$1"
    wait_idle "$1"
    log "node $1 is up again"
}

stop() {
    local i node
    need_base
    if daemon_pid slurmctld >/dev/null; then      # let running jobs end first
        scancel --full -u root 2>/dev/null || true
        for ((i = 0; i < 150; i++)); do
            [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
            sleep 0.2
        done
    fi
    # shellcheck disable=SC2046
    stop_pids $(for node in $(node_names); do slurmd_name "$node"; done) slurmctld
    if multi; then       # job steps and tasks that outlived their slurmd
        for node in $(node_names); do [ -s "$BASE/run/$node.uts" ] && node_down "$node" 2>/dev/null; done
    fi
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

leftovers() {
    local name node p n=0
    need_base
    for name in munged slurmctld $(for node in $(node_names); do slurmd_name "$node"; done); do
        p=$(daemon_pid "$name") && { echo "$name $p"; n=$((n + 1)); }
    done
    if multi; then
        for node in $(node_names); do
            [ -s "$BASE/run/$node.uts" ] || continue
            for p in $(node_pids "$node"); do
                echo "$node: $p $(cat "/proc/$p/comm" 2>/dev/null)"; n=$((n + 1))
            done
        done
    fi
    [ $n = 0 ]
}

case ${1:-} in
    check) check; echo "ok: root and Slurm binaries present" ;;
    start) start ;;
    stop) stop ;;
    wait) wait_job "${2:?jobid}" "${3:-600}" ;;
    state) state "${2:?jobid}" ;;
    node-down) node_down "${2:?node}" ;;
    node-up) node_up "${2:?node}" ;;
    pids) node_pids "${2:?node}" ;;
    leftovers) leftovers ;;
    *) sed -n '2,39p' "$0"; exit 2 ;;
esac
