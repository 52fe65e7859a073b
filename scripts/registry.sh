#!/usr/bin/env bash
# registry.sh: find, install, start and stop a CNCF Distribution registry for local work
# and tests.
#
#   scripts/registry.sh ensure        print the registry binary's path, installing it if missing
#   scripts/registry.sh start [PORT]  start one on 127.0.0.1 (a free port by default); print ADDR
#   scripts/registry.sh stop          stop the one `start` started; safe to repeat
#
# Only the answer goes to stdout (a path, an ADDR); progress goes to stderr, so
# `addr=$(scripts/registry.sh start)` works. The state of a started registry (ADDR, pid,
# temp dir) is kept in $LONGSHORE_REGISTRY_STATE (default /tmp/longshore-registry.state).
#
# Both binaries we accept take `serve CONFIG`: distribution v3's `registry` (go install)
# and Debian's `docker-registry` (distribution 2.8).
set -euo pipefail

STATE=${LONGSHORE_REGISTRY_STATE:-/tmp/longshore-registry.state}
DIST_MODULE=github.com/distribution/distribution/v3
# Used when the module proxy cannot list versions; LONGSHORE_REGISTRY_VERSION pins one.
DIST_FALLBACK_VERSION=v3.0.0

log() { printf 'registry.sh: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

usage() {
	cat >&2 <<'EOF'
Usage:
  scripts/registry.sh ensure        print the registry binary's path, installing it if missing
  scripts/registry.sh start [PORT]  start a registry on 127.0.0.1:PORT (free port by default), print ADDR
  scripts/registry.sh stop          stop the registry started by `start`
EOF
}

# gobin is where `go install` puts binaries: GOBIN, else the first GOPATH entry's bin.
gobin() {
	local dir
	dir=$(go env GOBIN 2>/dev/null || true)
	if [[ -z $dir ]]; then
		dir=$(go env GOPATH 2>/dev/null || true)
		dir=${dir%%:*}
		[[ -n $dir ]] && dir=$dir/bin
	fi
	printf '%s\n' "$dir"
}

# find_registry prints the path of an installed registry binary, preferring v3.
find_registry() {
	local p dir
	if p=$(command -v registry 2>/dev/null) && [[ -x $p ]]; then
		printf '%s\n' "$p"
		return 0
	fi
	if command -v go >/dev/null 2>&1; then
		dir=$(gobin)
		if [[ -n $dir && -x $dir/registry ]]; then
			printf '%s\n' "$dir/registry"
			return 0
		fi
	fi
	if p=$(command -v docker-registry 2>/dev/null) && [[ -x $p ]]; then
		printf '%s\n' "$p"
		return 0
	fi
	return 1
}

# Pipelines into `grep -q` are avoided in this file: grep exits at the first match, the
# writer dies of SIGPIPE, and pipefail turns the match into a failure.
apt_has_candidate() {
	local policy
	policy=$(apt-cache policy docker-registry 2>/dev/null) || return 1
	[[ $policy =~ Candidate:\ [^\(] ]]
}

install_with_apt() {
	if ! apt_has_candidate; then
		log "apt-get update (docker-registry has no install candidate yet)"
		apt-get update -qq >&2 || return 1
	fi
	apt_has_candidate || return 1
	log "installing Debian's docker-registry with apt-get"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >&2
}

# newest_v3 prints the newest v3 release (no pre-release) the module proxy knows.
newest_v3() {
	local versions v newest=""
	versions=$(cd / && GOWORK=off go list -m -versions "$DIST_MODULE" 2>/dev/null) || return 1
	for v in ${versions#"$DIST_MODULE"}; do
		[[ $v =~ ^v3\.[0-9]+\.[0-9]+$ ]] && newest=$v # the list is in semver order
	done
	[[ -n $newest ]] || return 1
	printf '%s\n' "$newest"
}

install_with_go() {
	command -v go >/dev/null 2>&1 || die "no registry found, apt-get is not usable, and go is not installed"
	local version=${LONGSHORE_REGISTRY_VERSION:-}
	if [[ -z $version ]]; then
		version=$(newest_v3) || {
			log "could not list $DIST_MODULE versions; using $DIST_FALLBACK_VERSION"
			version=$DIST_FALLBACK_VERSION
		}
	fi
	log "go install $DIST_MODULE/cmd/registry@$version (first time: a few minutes)"
	# Outside any workspace, so this checkout's go.work cannot interfere.
	(cd / && GOWORK=off go install "$DIST_MODULE/cmd/registry@$version") >&2
}

cmd_ensure() {
	local p
	if p=$(find_registry); then
		printf '%s\n' "$p"
		return 0
	fi
	log "no registry binary found"
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
		install_with_apt || log "apt-get could not install docker-registry; trying go install"
	fi
	if ! p=$(find_registry); then
		install_with_go
		p=$(find_registry) || die "installed the registry but cannot find it (is $(gobin) writable?)"
	fi
	log "using $p"
	printf '%s\n' "$p"
}

# free_port prints a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' && return 0
	fi
	local i p
	for ((i = 0; i < 50; i++)); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	return 1
}

# http_status prints the HTTP status of GET http://ADDR/v2/, or 000 when nothing answers.
http_status() {
	local addr=$1 line
	if command -v curl >/dev/null 2>&1; then
		curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$addr/v2/" || true
		return 0
	fi
	# No curl: speak HTTP/1.0 over bash's /dev/tcp and read the status line.
	if { exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}"; } 2>/dev/null; then
		printf 'GET /v2/ HTTP/1.0\r\nHost: %s\r\n\r\n' "$addr" >&3
		IFS=' ' read -r -t 2 _ line _ <&3 || true
		exec 3<&-
		printf '%s' "${line:-000}"
	else
		printf '000'
	fi
}

write_config() {
	local dir=$1 addr=$2
	cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $addr
  # A fixed secret keeps the registry from warning about a generated one; it only signs
  # upload state and this registry is local and throwaway.
  secret: longshore-local-registry
EOF
}

read_state() {
	state_addr="" state_pid="" state_dir=""
	[[ -f $STATE ]] || return 1
	local k v
	while IFS='=' read -r k v; do
		case $k in
		addr) state_addr=$v ;;
		pid) state_pid=$v ;;
		dir) state_dir=$v ;;
		esac
	done <"$STATE"
	[[ $state_pid =~ ^[0-9]+$ ]] || state_pid=""
}

# ours says whether PID is still the registry serving DIR's config (pids get reused).
ours() {
	local pid=$1 dir=$2
	[[ -n $pid && -n $dir ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	local args
	if [[ -r /proc/$pid/cmdline ]]; then
		args=$(tr '\0' ' ' <"/proc/$pid/cmdline")
	else
		args=$(ps -p "$pid" -o args= 2>/dev/null) || return 1
	fi
	[[ $args == *"$dir/config.yml"* ]]
}

cmd_start() {
	local want_port=${1:-} bin dir port addr pid i attempt
	[[ -z $want_port || $want_port =~ ^[0-9]+$ ]] || die "PORT must be a number, got '$want_port'"
	if read_state; then
		if ours "$state_pid" "$state_dir"; then
			die "a registry is already running at $state_addr (pid $state_pid); run 'scripts/registry.sh stop' first"
		fi
		log "removing stale state $STATE"
		cmd_stop
	fi
	bin=$(cmd_ensure)
	# A free port can be taken between choosing and binding: try a few when we chose it.
	for attempt in 1 2 3; do
		port=$want_port
		[[ -n $port ]] || port=$(free_port) || die "no free port found"
		addr=127.0.0.1:$port
		dir=$(mktemp -d "${TMPDIR:-/tmp}/longshore-registry.XXXXXX")
		write_config "$dir" "$addr"
		# v3 exports OpenTelemetry traces unless told not to; nothing collects them here.
		OTEL_TRACES_EXPORTER=none "$bin" serve "$dir/config.yml" </dev/null >"$dir/registry.log" 2>&1 &
		pid=$!
		for ((i = 0; i < 150; i++)); do # 150 × 0.1 s = 15 s
			if ! kill -0 "$pid" 2>/dev/null; then
				break
			fi
			# Alive after the answer too: a 200 from a server already on the port is not ours.
			if [[ $(http_status "$addr") == 200 ]] && kill -0 "$pid" 2>/dev/null; then
				printf 'addr=%s\npid=%s\ndir=%s\n' "$addr" "$pid" "$dir" >"$STATE"
				log "registry $bin serving at $addr (pid $pid, data in $dir)"
				printf '%s\n' "$addr"
				return 0
			fi
			sleep 0.1
		done
		log "registry did not answer on http://$addr/v2/ (attempt $attempt); its log:"
		cat "$dir/registry.log" >&2 || true
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		rm -rf "$dir"
		[[ -z $want_port ]] || break
	done
	die "could not start the registry"
}

cmd_stop() {
	if ! read_state; then
		log "no registry state at $STATE; nothing to stop"
		return 0
	fi
	if ours "$state_pid" "$state_dir"; then
		kill "$state_pid" 2>/dev/null || true
		local i
		for ((i = 0; i < 50; i++)); do
			kill -0 "$state_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$state_pid" 2>/dev/null || true
		log "stopped the registry at $state_addr (pid $state_pid)"
	fi
	# Only remove a directory that looks like one start made.
	if [[ -n $state_dir && -d $state_dir && $state_dir == */longshore-registry.* ]]; then
		rm -rf "$state_dir"
	fi
	rm -f "$STATE"
}

main() {
	local sub=${1:-}
	[[ $# -gt 0 ]] && shift
	case $sub in
	ensure) cmd_ensure ;;
	start) cmd_start "$@" ;;
	stop) cmd_stop ;;
	-h | --help | help) usage ;;
	*)
		usage
		exit 2
		;;
	esac
}

main "$@"
