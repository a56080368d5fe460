#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Bathyscope agent installer. The control plane serves it at <console>/install.sh with its own addresses baked in:
#
#   curl -fsSL <console>/install.sh | sudo sh -s -- --token <enrollment token>
#
# Checks the host, downloads the agent bundle from the control plane and verifies its sha256, enrolls the host
# with the token, then installs and starts a systemd unit. Re-running it upgrades in place and keeps the host's
# identity; --uninstall removes everything it installed. POSIX sh (dash, busybox ash, bash). See --help.
set -eu

# Filled in by the control plane when it serves this file (apps/api/src/modules/install/install-script.ts);
# empty in the repository copy, which then needs --server and --ingest.
BAKED_SERVER_URL=''
BAKED_INGEST_URL=''

DEFAULT_PREFIX=/opt/bathyscope-agent
DEFAULT_STATE_DIR=/var/lib/bathyscope-agent
UNIT_NAME=bathyscope-agent.service
UNIT_FILE=/etc/systemd/system/$UNIT_NAME
LINK=/usr/local/bin/bathyscope-agent
# Marks a directory as ours: --uninstall deletes nothing without it.
MARKER=.bathyscope-agent
# What an installation consists of; replaced entry by entry so a state directory inside the prefix survives.
BUNDLE_ENTRIES='bin lib build proto node etc manifest.json'
MIN_NODE_MAJOR=20

say() { printf '%s\n' "bathyscope: $*"; }
warn() { printf '%s\n' "bathyscope: warning: $*" >&2; }
die() {
  printf '%s\n' "bathyscope: error: $*" >&2
  exit 1
}

usage() {
  cat <<EOF
Installs the Bathyscope eBPF agent on this host.

usage: curl -fsSL <console>/install.sh | sudo sh -s -- --token <T> [options]
       sh install.sh --uninstall [--prefix DIR]

  --token <T>         enrollment token (bset_...), also read from BATHYSCOPE_ENROLLMENT_TOKEN
  --token-file <F>    read the enrollment token from a file (keeps it out of process listings)
  --server <URL>      control plane to download the agent from${BAKED_SERVER_URL:+ (default $BAKED_SERVER_URL)}
  --ingest <URL>      ingest gateway to enroll with${BAKED_INGEST_URL:+ (default $BAKED_INGEST_URL)}
  --prefix <DIR>      installation directory (default $DEFAULT_PREFIX)
  --state-dir <DIR>   agent identity and state (default $DEFAULT_STATE_DIR, or <prefix>/state with --prefix)
  --no-start          no systemd unit: install and enroll only, print the command that starts the agent
  --download-node     use the control plane's Node.js even if this host has Node.js >= $MIN_NODE_MAJOR
  --reenroll          enroll again although the state directory holds credentials
  --uninstall         stop the agent, remove its unit, installation directory, identity and state
  -h, --help          this help
EOF
}

# Paths end up in a systemd unit, a sourced env file and rm -rf: only plain characters, absolute, not /.
check_path() {
  case $2 in
    /*) ;;
    *) die "$1 must be an absolute path" ;;
  esac
  case $2 in
    *[!A-Za-z0-9._/+@:-]*) die "$1 may only contain letters, digits and . _ / + @ : -" ;;
  esac
  case /$2/ in
    */../* | */./*) die "$1 must not contain . or .. components" ;;
  esac
}

strip_slashes() {
  p=$1
  while [ "${#p}" -gt 1 ] && [ "${p%/}" != "$p" ]; do p=${p%/}; done
  printf '%s' "$p"
}

check_url() {
  case $2 in
    http://?* | https://?*) ;;
    *) die "$1 must be an http:// or https:// URL" ;;
  esac
  case $2 in
    *[!A-Za-z0-9._:/@%+~\[\]-]*) die "$1 contains characters that are not allowed in a URL here" ;;
  esac
}

need_value() {
  [ "$2" -ge 2 ] || die "$1 needs a value"
}

parse_args() {
  token=${BATHYSCOPE_ENROLLMENT_TOKEN:-}
  # Only enroll gets the token, in its environment; nothing else this script starts inherits it.
  unset BATHYSCOPE_ENROLLMENT_TOKEN
  server=$BAKED_SERVER_URL
  ingest=$BAKED_INGEST_URL
  prefix=
  state_dir=
  start=1
  action=install
  reenroll=0
  download_node=0
  while [ $# -gt 0 ]; do
    case $1 in
      --token)
        need_value "$1" $#
        token=$2
        shift 2
        ;;
      --token=*)
        token=${1#*=}
        shift
        ;;
      --token-file)
        need_value "$1" $#
        [ -r "$2" ] || die "cannot read the token file $2"
        token=$(tr -d ' \t\r\n' <"$2")
        shift 2
        ;;
      --server)
        need_value "$1" $#
        server=$2
        shift 2
        ;;
      --server=*)
        server=${1#*=}
        shift
        ;;
      --ingest)
        need_value "$1" $#
        ingest=$2
        shift 2
        ;;
      --ingest=*)
        ingest=${1#*=}
        shift
        ;;
      --prefix)
        need_value "$1" $#
        prefix=$2
        shift 2
        ;;
      --prefix=*)
        prefix=${1#*=}
        shift
        ;;
      --state-dir)
        need_value "$1" $#
        state_dir=$2
        shift 2
        ;;
      --state-dir=*)
        state_dir=${1#*=}
        shift
        ;;
      --no-start)
        start=0
        shift
        ;;
      --download-node)
        download_node=1
        shift
        ;;
      --reenroll)
        reenroll=1
        shift
        ;;
      --uninstall)
        action=uninstall
        shift
        ;;
      -h | --help)
        usage
        exit 0
        ;;
      bset_*) die "unexpected argument (an enrollment token?): pass it as --token <T>" ;;
      *) die "unknown option $1 (see --help)" ;;
    esac
  done

  if [ -z "$prefix" ]; then
    prefix=$DEFAULT_PREFIX
    : "${state_dir:=$DEFAULT_STATE_DIR}"
  fi
  prefix=$(strip_slashes "$prefix")
  check_path --prefix "$prefix"
  [ "$prefix" != / ] || die "--prefix must not be /"
  : "${state_dir:=$prefix/state}"
  state_dir=$(strip_slashes "$state_dir")
  check_path --state-dir "$state_dir"
  [ "$state_dir" != / ] || die "--state-dir must not be /"
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Whether the nearest existing ancestor of $1 is a directory this user can write.
can_create() {
  d=$1
  while [ ! -e "$d" ]; do d=$(dirname "$d"); done
  [ -d "$d" ] && [ -w "$d" ]
}

check_host() {
  os=$(uname -s)
  [ "$os" = Linux ] || die "the agent runs on Linux only (this is $os)"
  machine=$(uname -m)
  case $machine in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "unsupported CPU architecture $machine (x86_64 and aarch64 are supported)" ;;
  esac
  release=$(uname -r)
  major=${release%%.*}
  rest=${release#*.}
  minor=${rest%%[!0-9]*}
  case $major in '' | *[!0-9]*) die "cannot read the kernel version from '$release'" ;; esac
  case $minor in '' | *[!0-9]*) die "cannot read the kernel version from '$release'" ;; esac
  if [ "$major" -lt 5 ] || { [ "$major" -eq 5 ] && [ "$minor" -lt 8 ]; }; then
    die "Linux $release is too old: the agent needs kernel 5.8 or newer (BPF ring buffers)"
  fi
  if [ ! -r /sys/kernel/btf/vmlinux ]; then
    warn "/sys/kernel/btf/vmlinux is missing: the agent will run degraded (no eBPF capture) until the kernel provides BTF (CONFIG_DEBUG_INFO_BTF=y)"
  fi

  if is_root; then
    :
  elif [ "$start" = 1 ]; then
    die "run as root (sudo): the systemd unit and eBPF need it (or use --no-start with a --prefix you can write)"
  else
    can_create "$prefix" || die "cannot write $prefix: run as root (sudo) or choose another --prefix"
    can_create "$state_dir" || die "cannot write $state_dir: run as root (sudo) or choose another --state-dir"
    warn "not running as root: installing and enrolling only; running the agent with eBPF needs root"
  fi

  if command -v curl >/dev/null 2>&1; then
    fetcher=curl
  elif command -v wget >/dev/null 2>&1; then
    fetcher=wget
  else
    die "curl or wget is needed to download the agent"
  fi
  command -v tar >/dev/null 2>&1 || die "tar is needed to unpack the agent"
  command -v gzip >/dev/null 2>&1 || die "gzip is needed to unpack the agent"
  if command -v sha256sum >/dev/null 2>&1; then
    sha_tool=sha256sum
  elif command -v shasum >/dev/null 2>&1; then
    sha_tool=shasum
  elif command -v openssl >/dev/null 2>&1; then
    sha_tool=openssl
  else
    die "sha256sum, shasum or openssl is needed to verify the download"
  fi
  if [ "$start" = 1 ]; then
    if [ ! -d /run/systemd/system ] || ! command -v systemctl >/dev/null 2>&1; then
      die "systemd is not running on this host: re-run with --no-start and start the agent with your init system"
    fi
  fi
}

fetch() {
  if [ "$fetcher" = curl ]; then
    curl -fsSL --retry 3 --connect-timeout 15 -o "$2" "$1"
  else
    wget -q -T 30 -t 3 -O "$2" "$1"
  fi
}

sha256_of() {
  case $sha_tool in
    sha256sum) sha256sum "$1" | cut -d ' ' -f 1 ;;
    shasum) shasum -a 256 "$1" | cut -d ' ' -f 1 ;;
    openssl) openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1 ;;
  esac
}

# Reads "<sha256>  <file>" (sha256sum format) into $expected_sha and $expected_file.
read_checksum() {
  expected_sha=
  expected_file=
  read -r expected_sha expected_file <"$1" || true
  case $expected_sha in *[!0-9a-f]* | '') die "the checksum from $server is malformed" ;; esac
  [ "${#expected_sha}" -eq 64 ] || die "the checksum from $server is malformed"
}

verify() {
  actual=$(sha256_of "$1")
  [ "$actual" = "$2" ] || die "checksum mismatch for $(basename "$1") (expected $2, got $actual): not installing it"
}

download_bundle() {
  fetch "$server/downloads/bathyscope-agent-linux-$arch.tar.gz.sha256" "$work/bundle.sha256" ||
    die "cannot get the agent for linux-$arch from $server (is the URL right, and does the control plane build agents for $arch?)"
  read_checksum "$work/bundle.sha256"
  bundle_file=$expected_file
  case $bundle_file in
    *[!A-Za-z0-9._-]*) die "unexpected bundle name from $server" ;;
    bathyscope-agent-*-linux-"$arch".tar.gz) ;;
    *) die "unexpected bundle name from $server" ;;
  esac
  say "downloading $bundle_file from $server"
  fetch "$server/downloads/$bundle_file" "$work/$bundle_file" || die "the download of $bundle_file failed"
  verify "$work/$bundle_file" "$expected_sha"
  say "sha256 verified: $expected_sha"
  mkdir "$work/unpack"
  tar -xzf "$work/$bundle_file" -C "$work/unpack"
  bundle=$work/unpack/${bundle_file%.tar.gz}
  if [ ! -f "$bundle/bin/bathyscope-agent" ] || [ ! -f "$bundle/lib/agent.js" ]; then
    die "the bundle $bundle_file is incomplete"
  fi
  version=${bundle_file#bathyscope-agent-}
  version=${version%-linux-"$arch".tar.gz}
}

node_major_of() {
  v=$("$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null) || v=0
  case $v in '' | *[!0-9]*) v=0 ;; esac
  printf '%s' "$v"
}

# Sets $node_path (where the installed agent finds Node.js) and $staged_node (the one enroll runs with now).
choose_node() {
  if [ "$download_node" = 0 ] && command -v node >/dev/null 2>&1; then
    host_node=$(command -v node)
    if [ "$(node_major_of "$host_node")" -ge "$MIN_NODE_MAJOR" ]; then
      node_path=$host_node
      staged_node=$host_node
      say "using Node.js $("$host_node" --version) at $host_node"
      return 0
    fi
    say "Node.js at $host_node is older than $MIN_NODE_MAJOR: using the control plane's"
  fi
  fetch "$server/downloads/node-linux-$arch.sha256" "$work/node.sha256" ||
    die "this host has no Node.js >= $MIN_NODE_MAJOR and $server offers none for linux-$arch: install Node.js >= $MIN_NODE_MAJOR and re-run"
  read_checksum "$work/node.sha256"
  say "downloading Node.js for linux-$arch from $server"
  fetch "$server/downloads/node-linux-$arch" "$work/node" || die "the download of Node.js failed"
  verify "$work/node" "$expected_sha"
  mkdir -p "$bundle/node/bin"
  mv "$work/node" "$bundle/node/bin/node"
  chmod 755 "$bundle/node/bin/node"
  staged_node=$bundle/node/bin/node
  [ "$(node_major_of "$staged_node")" -ge "$MIN_NODE_MAJOR" ] || die "the downloaded Node.js does not run on this host"
  node_path=$prefix/node/bin/node
}

already_enrolled() {
  [ -s "$state_dir/agent/credentials.json" ] && [ -s "$state_dir/agent/key.pem" ]
}

enroll() {
  if already_enrolled && [ "$reenroll" = 0 ]; then
    say "already enrolled: keeping the identity in $state_dir/agent (--reenroll enrolls again)"
    return 0
  fi
  if [ ! -d "$state_dir" ]; then
    mkdir -p "$state_dir"
    chmod 700 "$state_dir"
    state_created_now=1
    state_created=1
  fi
  say "enrolling with $ingest"
  # The token goes through the environment: argv is world-readable in /proc, the environment is not.
  if ! BATHYSCOPE_ENROLLMENT_TOKEN=$token BATHYSCOPE_NODE=$staged_node \
    sh "$bundle/bin/bathyscope-agent" enroll --server "$ingest" --state-dir "$state_dir"; then
    die "enrollment failed (the reason is above); nothing was installed"
  fi
}

marker_value() {
  [ -f "$1/$MARKER" ] || return 0
  sed -n "s/^$2=//p" "$1/$MARKER" | head -n 1
}

write_env_file() {
  mkdir -p "$bundle/etc"
  cat >"$bundle/etc/agent.env" <<EOF
# Written by install.sh. Variables set in the environment take precedence.
BATHYSCOPE_STATE_DIR=\${BATHYSCOPE_STATE_DIR:-$state_dir}
BATHYSCOPE_NODE=\${BATHYSCOPE_NODE:-$node_path}
export BATHYSCOPE_STATE_DIR
EOF
}

activate() {
  for entry in $BUNDLE_ENTRIES; do
    rm -rf "${prefix:?}/$entry"
    if [ -e "$bundle/$entry" ]; then mv "$bundle/$entry" "$prefix/$entry"; fi
  done
  link=
  if is_root && [ "$prefix" = "$DEFAULT_PREFIX" ] && [ -d "$(dirname "$LINK")" ]; then
    if [ ! -e "$LINK" ] || [ "$(readlink "$LINK" 2>/dev/null || true)" = "$prefix/bin/bathyscope-agent" ]; then
      ln -sf "$prefix/bin/bathyscope-agent" "$LINK"
      link=$LINK
    fi
  fi
  cat >"$prefix/$MARKER.tmp" <<EOF
# Bathyscope agent installation, written by install.sh; --uninstall reads it.
version=$version
state_dir=$state_dir
state_dir_created=$state_created
link=$link
EOF
  mv "$prefix/$MARKER.tmp" "$prefix/$MARKER"
}

install_unit() {
  cat >"$UNIT_FILE.tmp" <<EOF
[Unit]
Description=Bathyscope eBPF agent
Documentation=$server
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=$prefix/bin/bathyscope-agent run
Restart=always
RestartSec=5
TimeoutStopSec=20
LimitMEMLOCK=infinity
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
EOF
  mv "$UNIT_FILE.tmp" "$UNIT_FILE"
  systemctl daemon-reload
  systemctl enable "$UNIT_NAME" >/dev/null 2>&1 || systemctl enable "$UNIT_NAME"
  systemctl restart "$UNIT_NAME"
  sleep 2
  if systemctl is-active --quiet "$UNIT_NAME"; then
    say "agent started ($UNIT_NAME); logs: journalctl -u $UNIT_NAME -f"
  else
    warn "the agent did not stay up: see journalctl -u $UNIT_NAME"
  fi
}

# Runs on every exit: removes the download area, and after a failure whatever this run created.
cleanup() {
  status=$?
  if [ -n "${work:-}" ]; then rm -rf "$work"; fi
  if [ "$status" -ne 0 ]; then
    if [ "${state_created_now:-0}" = 1 ]; then rm -rf "$state_dir"; fi
    if [ "${prefix_created:-0}" = 1 ]; then rm -rf "$prefix"; fi
  fi
}

install_agent() {
  if [ -n "$token" ]; then
    case $token in
      bset_*) ;;
      *) die "that is not an enrollment token (they start with bset_): create one in the console under Agents" ;;
    esac
    case $token in *[!A-Za-z0-9_-]*) die "the enrollment token contains unexpected characters" ;; esac
  fi
  [ -n "$server" ] || die "--server <control plane URL> is needed (this copy of install.sh was not served by one)"
  server=$(strip_slashes "$server")
  check_url --server "$server"
  [ -n "$ingest" ] || die "--ingest <ingest gateway URL> is needed (this copy of install.sh was not served by a control plane)"
  ingest=$(strip_slashes "$ingest")
  check_url --ingest "$ingest"
  check_host
  if [ -e "$prefix" ] && [ ! -f "$prefix/$MARKER" ] && [ -n "$(ls -A "$prefix" 2>/dev/null)" ]; then
    die "$prefix exists and is not a Bathyscope agent installation: choose an empty or new --prefix"
  fi
  if [ -z "$token" ] && { ! already_enrolled || [ "$reenroll" = 1 ]; }; then
    die "an enrollment token is needed: --token <T> (create one in the console under Agents)"
  fi

  # Whether an install created the state directory (then --uninstall removes all of it), across re-runs.
  state_created=$(marker_value "$prefix" state_dir_created)
  : "${state_created:=0}"
  state_created_now=0
  prefix_created=0
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  if [ ! -d "$prefix" ]; then
    mkdir -p "$prefix"
    prefix_created=1
  fi
  # Downloads stay next to the installation: /tmp is often noexec or small.
  work=$(mktemp -d "$prefix/.install.XXXXXX")

  download_bundle
  choose_node
  enroll
  write_env_file
  if [ "$start" = 1 ] && systemctl is-active --quiet "$UNIT_NAME" 2>/dev/null; then
    systemctl stop "$UNIT_NAME"
  fi
  activate
  say "installed bathyscope-agent $version in $prefix (state in $state_dir)"
  if [ "$start" = 1 ]; then
    install_unit
  else
    say "not started (--no-start); start the agent as root with: $prefix/bin/bathyscope-agent run"
  fi
}

# Agent processes still running from this prefix, e.g. started by hand after --no-start.
stop_agent_processes() {
  pids=
  for dir in /proc/[0-9]*; do
    cmdline=$( (tr '\0' ' ' <"$dir/cmdline") 2>/dev/null) || continue
    case $cmdline in
      *" $prefix/lib/agent.js "* | *" $prefix/lib/agent.js") pids="$pids ${dir#/proc/}" ;;
    esac
  done
  [ -n "$pids" ] || return 0
  say "stopping agent processes:$pids"
  # shellcheck disable=SC2086 # one argument per pid
  kill $pids 2>/dev/null || true
  tries=0
  while [ "$tries" -lt 10 ]; do
    alive=
    for pid in $pids; do
      # An exited child of some other process stays in /proc as a zombie until reaped: it is gone for us.
      state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null || true)
      if [ -n "$state" ] && [ "$state" != Z ]; then alive="$alive $pid"; fi
    done
    [ -n "$alive" ] || return 0
    sleep 1
    tries=$((tries + 1))
  done
  # shellcheck disable=SC2086 # one argument per pid
  kill -9 $alive 2>/dev/null || true
}

uninstall() {
  if [ ! -f "$prefix/$MARKER" ]; then
    [ ! -e "$prefix" ] || die "$prefix is not a Bathyscope agent installation (no $MARKER file): not deleting it"
    say "nothing is installed in $prefix"
    return 0
  fi
  if ! is_root && ! [ -w "$prefix" ]; then die "run as root (sudo) to uninstall from $prefix"; fi
  old_state=$(marker_value "$prefix" state_dir)
  old_state_created=$(marker_value "$prefix" state_dir_created)
  old_link=$(marker_value "$prefix" link)
  if [ -f "$UNIT_FILE" ] && grep -q "^ExecStart=$prefix/bin/bathyscope-agent " "$UNIT_FILE"; then
    if command -v systemctl >/dev/null 2>&1; then
      systemctl disable --now "$UNIT_NAME" >/dev/null 2>&1 || warn "systemctl could not stop $UNIT_NAME"
    fi
    rm -f "$UNIT_FILE"
    if command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload || true; fi
    say "removed $UNIT_FILE"
  fi
  stop_agent_processes
  if [ -n "$old_link" ] && [ -L "$old_link" ] && [ "$(readlink "$old_link")" = "$prefix/bin/bathyscope-agent" ]; then
    rm -f "$old_link"
  fi
  if [ -n "$old_state" ]; then
    check_path "the recorded state directory" "$old_state"
    if [ "$old_state_created" = 1 ]; then
      rm -rf "$old_state"
    else
      # Not ours to delete as a whole: remove the agent's identity and leave the rest.
      rm -rf "$old_state/agent"
    fi
    say "removed the agent's identity and state ($old_state)"
  fi
  rm -rf "$prefix"
  say "uninstalled from $prefix"
}

main() {
  parse_args "$@"
  if [ "$action" = uninstall ]; then
    uninstall
  else
    install_agent
  fi
}

main "$@"
