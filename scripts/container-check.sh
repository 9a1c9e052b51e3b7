#!/usr/bin/env bash
# Builds the real Dockerfile and proves, against the running container: the health check passes, the
# quick-start flow answers, a mounted scenario folder is used, `docker stop` returns quickly, HTTPS with
# a certificate made at start, and (where redis-server is installed) two replicas sharing a Redis store. Then
# the Testcontainers tests (the Node module, the Python snippet) run against the same image through
# the engine's Docker-compatible API: Docker's, or podman's served for the occasion.
# Uses ../shared/tools/docker (a podman-backed docker shim) where there is no Docker engine; where
# neither exists, it says so and exits 0 so the rest of CI still runs.
#   bash scripts/container-check.sh               # build, then check
#   bash scripts/container-check.sh --build-only  # build the image, no more (.ci/run, in the background)
#   bash scripts/container-check.sh --built       # check the image --build-only built; no build
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-all}
case "$mode" in
  all | --build-only | --built) ;;
  *) echo "container-check: unknown argument $mode (--build-only or --built, or none)"; exit 2 ;;
esac

shim=
if [ -x ../shared/tools/docker ]; then
  shim=$(cd ../shared/tools && pwd)
  export PATH="$shim:$PATH"
  export DOCKER_SHIM_QUIET=1 DOCKER_SHIM_HEALTH_MONITOR=0
  # The shim's podman keeps images on the vfs driver, where committing a build step copies the whole
  # file tree: a fresh build took about 3 minutes, about 45 s without a commit per step. The image's
  # contents are the same; only its layers are fewer (and a rebuild reuses nothing, as a fresh clone
  # could not anyway). Docker ignores this variable.
  export BUILDAH_LAYERS=false
elif ! docker info >/dev/null 2>&1; then
  echo "container-check: skipped: no Docker engine and no ../shared/tools/docker here"
  exit 0
fi

image=${CONTAINER_CHECK_IMAGE:-cint-mock-ci}
name=cint-mock-ci-$$
port=${CONTAINER_CHECK_PORT:-18080}
scenarios=$(mktemp -d)
chmod 755 "$scenarios"
work=$(mktemp -d)
podman_service=
redis_pid=
cleanup() {
  docker rm -f "$name" "$name-a" "$name-b" >/dev/null 2>&1 || true
  [ -z "${redis_pid:-}" ] || kill "$redis_pid" 2>/dev/null || true
  [ -z "$podman_service" ] || kill "$podman_service" 2>/dev/null || true
  rm -rf "$scenarios" "$work"
}
trap cleanup EXIT

cat > "$scenarios/ci-mounted.yaml" <<'YAML'
description: Mounted by container-check.sh; get_project_by_id answers 503 with Retry-After 7.
rules:
  - match: { operation: get_project_by_id }
    respond: { status: 503, headers: { Retry-After: "7" } }
YAML

# build_image: the probe, then the Dockerfile (or its copy without --start-interval) as $image.
build_image() {
  echo "container-check: docker build"
  start=$(date +%s)
  # HEALTHCHECK --start-interval needs Docker 25 or later; buildah 1.28 (podman 4.3, Debian 12) does not
  # know it, and says so only when its build reaches that line, after every stage before it. A two-line
  # Dockerfile asks first (about 2 s); such a builder gets a copy without the flag, and the container is
  # then first checked after --interval.
  dockerfile=Dockerfile
  mkdir "$work/probe"
  # The probe is built on the image the Dockerfile's last stage (the one with the HEALTHCHECK) starts from.
  base=$(sed -n 's/^FROM \([^ ]*\).*/\1/p' Dockerfile | tail -n 1)
  printf 'FROM %s\nHEALTHCHECK --interval=30s --start-interval=1s CMD ["true"]\n' "$base" >"$work/probe/Dockerfile"
  if ! docker build -q -t "$image-probe" "$work/probe" >"$work/probe.log" 2>&1; then
    if grep -q 'start-interval' "$work/probe.log"; then
      echo "container-check: this builder does not know HEALTHCHECK --start-interval; building a copy of the Dockerfile without it"
      sed 's/ --start-interval=[^ ]*//' Dockerfile >"$work/Dockerfile"
      dockerfile=$work/Dockerfile
    fi
  fi
  docker rmi -f "$image-probe" >/dev/null 2>&1 || true
  if ! docker build -q -t "$image" -f "$dockerfile" . >"$work/build.log" 2>&1; then
    cat "$work/build.log"
    echo "container-check: FAILED: docker build"
    exit 1
  fi
  echo "container-check: built in $(( $(date +%s) - start )) s"
}

if [ "$mode" = --built ]; then
  docker image inspect "$image" >/dev/null 2>&1 || { echo "container-check: FAILED: --built, but there is no image $image"; exit 1; }
  echo "container-check: checking $image, built before"
else
  build_image
  [ "$mode" != --build-only ] || exit 0
fi
grep -Eq '^HEALTHCHECK .*--start-period=[0-9]+s .*--start-interval=1s' Dockerfile \
  || { echo "container-check: FAILED: the Dockerfile's HEALTHCHECK has no --start-period and --start-interval=1s"; exit 1; }

docker run -d --name "$name" -e PORT="$port" -v "$scenarios:/scenarios:ro" "$image" >/dev/null
url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  if curl -fsS "$url/__admin/health" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
curl -fsS "$url/__admin/health" >/dev/null || { docker logs "$name"; echo "container-check: FAILED: the server did not answer"; exit 1; }

fail() { echo "container-check: FAILED: $*"; docker logs "$name" 2>&1 | tail -20; exit 1; }

docker healthcheck run "$name" >/dev/null || fail "HEALTHCHECK did not pass"
echo "container-check: HEALTHCHECK passes"

[ "$(docker exec "$name" id -u)" != "0" ] || fail "the container runs as root"
# The app's files are root's: the node user the server runs as cannot rewrite them.
docker exec "$name" sh -c 'test ! -w /app/dist/src/cli.js && test -z "$(find /app /scenarios -user node -print -quit)"' \
  || fail "the node user owns or can write the app's files"
echo "container-check: the app's files are root's, read-only to the node user"

# A field of the JSON on stdin.
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }
# Sets token and auth (the headers of a Cint request) for a client of the server at $1.
sign_in() { # base-url client-id
  token=$(curl -fsS "$1/oauth/token" -H 'content-type: application/json' \
    -d "{\"client_id\":\"$2\",\"client_secret\":\"s\",\"grant_type\":\"client_credentials\",\"audience\":\"https://api.cint.com\"}" | field access_token)
  auth=(-H "authorization: Bearer $token" -H 'cint-api-version: 2025-12-18' -H 'content-type: application/json')
}
# Prints the id of a project made with $auth through the server at $1.
create_project() { # base-url idempotency-key name
  curl -fsS "${auth[@]}" -H "idempotency-key: $2" "$1/v1/demand/accounts/101/projects" \
    -d "{\"name\":\"$3\",\"project_manager_id\":\"b551326b-ac9d-4d32-8823-4f025787dab9\"}" | field id
}

api="$url/v1/demand/accounts/101"
sign_in "$url" ci
project=$(create_project "$url" ci-1 "CI project")
[ -n "$project" ] || fail "create_project gave no id"
status=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$api/projects?page_size=5")
[ "$status" = 200 ] || fail "list_account_projects answered $status"
echo "container-check: quick-start flow answers (project $project)"

headers=$(curl -s -D - -o /dev/null "${auth[@]}" -H 'x-mock-scenario: ci-mounted' "$api/projects/$project")
echo "$headers" | grep -q '^HTTP/1.1 503' || fail "the mounted scenario was not used: $headers"
echo "$headers" | grep -qi '^retry-after: 7' || fail "the mounted scenario's Retry-After is missing"
echo "container-check: the mounted scenario folder is used"

# The journal page (public/ in the image) and Swagger UI's files (from node_modules, not the bundle).
for path in /__admin/ /__admin/page/journal.js /__admin/docs/ /__admin/docs/static/swagger-ui-bundle.js /__admin/docs/json; do
  status=$(curl -s -o /dev/null -w '%{http_code}' "$url$path")
  [ "$status" = 200 ] || fail "$path answered $status"
done
echo "container-check: the journal page and the admin API's Swagger UI are served"

# Hot reload in the mounted folder: an edit on the host is answered within a second or two.
sed -i 's/Retry-After: "7"/Retry-After: "9"/' "$scenarios/ci-mounted.yaml"
reloaded=
for _ in $(seq 1 50); do
  if curl -s -D - -o /dev/null "${auth[@]}" -H 'x-mock-scenario: ci-mounted' "$api/projects/$project" | grep -qi '^retry-after: 9'; then
    reloaded=yes; break
  fi
  sleep 0.1
done
[ -n "$reloaded" ] || fail "an edit in the mounted scenario folder was not picked up within 5 s"
echo "container-check: an edit in the mounted folder is hot-reloaded"

start=$(date +%s%N)
docker stop -t 10 "$name" >/dev/null
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
echo "container-check: docker stop took ${elapsed} ms"
[ "$elapsed" -lt 2000 ] || fail "docker stop took ${elapsed} ms (more than 2 s: SIGTERM not handled?)"
docker rm -f "$name" >/dev/null 2>&1 || true

# A mounted config file sets the port and log level: the image's environment no longer overrides them.
printf 'port: %s\nlogLevel: warn\n' "$port" >"$work/cint-mock.yaml"
chmod 644 "$work/cint-mock.yaml"
docker run -d --name "$name" -v "$work/cint-mock.yaml:/etc/cint-mock.yaml:ro" -e CINT_MOCK_CONFIG=/etc/cint-mock.yaml "$image" >/dev/null
for _ in $(seq 1 100); do curl -fsS "$url/__admin/health" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$url/__admin/health" >/dev/null || fail "no answer on the config file's port $port"
docker healthcheck run "$name" >/dev/null || fail "HEALTHCHECK did not pass with the config file's port"
echo "container-check: a mounted config file's port applies, and the HEALTHCHECK finds it"
docker rm -f "$name" >/dev/null 2>&1 || true

# Flags appended to docker run reach cint-mock (the base image's entrypoint ran `node --port ...`), with
# no PORT in the environment at all; in the same container (with the shim's vfs storage every container
# made copies the image, about 13 s of the kernel's time), HTTPS with a certificate made at start: the
# HEALTHCHECK finds the port the flag gave and passes over HTTPS, and curl trusting the certificate
# written in the container (read with docker exec) gets an answer.
docker run -d --name "$name" -e CINT_MOCK_TLS_SELF_SIGNED=localhost -e CINT_MOCK_TLS_CERT_OUT=/tmp/cint-mock.pem \
  "$image" --port "$port" --log-level warn >/dev/null
for _ in $(seq 1 100); do
  docker exec "$name" test -s /tmp/cint-mock.pem 2>/dev/null && break
  sleep 0.1
done
docker exec "$name" cat /tmp/cint-mock.pem >"$work/cint-mock.pem" || fail "the certificate was not written in the container"
for _ in $(seq 1 100); do
  curl -fsS --cacert "$work/cint-mock.pem" "https://localhost:$port/__admin/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS --cacert "$work/cint-mock.pem" "https://localhost:$port/__admin/health" >/dev/null \
  || fail "no HTTPS answer on --port $port given after the image name, trusting the container's certificate"
docker healthcheck run "$name" >/dev/null || fail "HEALTHCHECK did not pass over HTTPS with --port $port"
echo "container-check: docker run IMAGE --port $port answers there, over HTTPS with the certificate made at start; the HEALTHCHECK finds it"
# The entrypoint with `validate` and with any other command, as `docker run IMAGE validate DIR` and
# `docker run IMAGE sh -c 'echo ok'` run it, here in the running container rather than two more made.
# (podman's notes about systemd and health checks on stderr are kept out of this script's output.)
docker exec "$name" cint-mock-entrypoint validate /app/scenarios 2>"$work/run.err" | grep -q '14 scenarios valid' \
  || { cat "$work/run.err"; fail "the entrypoint did not run validate DIR"; }
echo "container-check: the entrypoint runs validate DIR"
[ "$(docker exec "$name" cint-mock-entrypoint sh -c 'echo ok' 2>"$work/run.err")" = ok ] \
  || { cat "$work/run.err"; fail "the entrypoint did not run sh -c as given"; }
echo "container-check: the entrypoint runs any other command as given (sh -c)"
docker rm -f "$name" >/dev/null 2>&1 || true

# The Redis store, as the README's staging setup runs it: two containers of the image on one redis-server
# (the host's; these containers share the host's network), a project made through one read through the
# other with the first one's token, and a container restarted still serving it.
redis_server=$(command -v redis-server || command -v valkey-server || true)
if [ -n "$redis_server" ]; then
  redis_port=$((port + 2))
  "$redis_server" --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
  redis_pid=$!
  store="redis://127.0.0.1:$redis_port"
  replica() { # name port
    docker run -d --name "$1" -e PORT="$2" -e CINT_MOCK_STORE="$store" -e CINT_MOCK_STORE_PREFIX=ci "$image" >/dev/null
    for _ in $(seq 1 100); do
      curl -fsS "http://127.0.0.1:$2/__admin/health" 2>/dev/null | grep -q '"kind":"redis"' && return 0
      sleep 0.1
    done
    docker logs "$1" 2>&1 | tail -20
    return 1
  }
  replica "$name-a" "$port" || fail "a replica on $store did not become healthy"
  replica "$name-b" "$((port + 1))" || fail "a second replica on $store did not become healthy"
  a="http://127.0.0.1:$port" b="http://127.0.0.1:$((port + 1))"
  sign_in "$a" ci-redis
  project=$(create_project "$a" ci-redis-1 "Shared project")
  [ -n "$project" ] || fail "create_project on the Redis store gave no id"
  curl -fsS "${auth[@]}" "$b/v1/demand/accounts/101/projects/$project" | grep -q '"Shared project"' \
    || fail "the second replica did not serve the project the first made"
  # Restarted (docker restart: a new process, its memory gone), it serves the session from Redis.
  docker restart "$name-a" >/dev/null 2>&1 || fail "docker restart $name-a failed"
  restarted=
  for _ in $(seq 1 100); do
    curl -fsS "$a/__admin/health" 2>/dev/null | grep -q '"kind":"redis"' && { restarted=yes; break; }
    sleep 0.1
  done
  [ -n "$restarted" ] || { docker logs "$name-a" 2>&1 | tail -20; fail "a replica restarted on $store did not become healthy"; }
  curl -fsS "${auth[@]}" "$a/v1/demand/accounts/101/projects/$project" | grep -q '"Shared project"' \
    || fail "a restarted replica did not serve the project made before"
  echo "container-check: two replicas on $store share a session; one restarted still serves it"
  docker rm -f "$name-a" "$name-b" >/dev/null 2>&1 || true
  kill "$redis_pid" 2>/dev/null || true
  redis_pid=
elif [ "${REQUIRE_REDIS_TESTS:-}" = 1 ]; then
  fail "no redis-server or valkey-server for the Redis store's check, and REQUIRE_REDIS_TESTS=1"
else
  echo "container-check: the Redis store's check skipped: no redis-server or valkey-server here"
fi

# The same image through Testcontainers. With the shim, podman serves its Docker-compatible API on a
# socket of this run's own (the shim's storage and runtime, so it sees the image just built); its
# containers get a network of their own and a mapped port, as with Docker.
if [ -n "$shim" ] && [ -z "${DOCKER_HOST:-}" ]; then
  CONTAINERS_CONF="$shim/containers.conf" podman --storage-driver vfs --runtime runc \
    system service --time=0 "unix://$work/podman.sock" >"$work/podman.log" 2>&1 &
  podman_service=$!
  for _ in $(seq 1 100); do [ -S "$work/podman.sock" ] && break; sleep 0.1; done
  [ -S "$work/podman.sock" ] || { cat "$work/podman.log"; echo "container-check: FAILED: podman system service did not start"; exit 1; }
  export DOCKER_HOST="unix://$work/podman.sock"
  # The mapped ports answer on the loopback address; Testcontainers would otherwise pick the bridge's
  # gateway (this script may itself run in a container, which testcontainers-python also checks).
  export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 TESTCONTAINERS_CONNECTION_MODE=docker_host
fi
export TESTCONTAINERS_RYUK_DISABLED=true   # the tests stop their containers; Ryuk's image cannot be pulled here
echo "container-check: Testcontainers tests against $image (DOCKER_HOST=${DOCKER_HOST:-the default socket})"
CINT_MOCK_IMAGE="$image" node scripts/run-tests.mjs test/testcontainers.test.ts test/testcontainers-python.test.ts
echo "container-check: ok"
