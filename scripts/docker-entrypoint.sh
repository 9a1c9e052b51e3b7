#!/bin/sh
# The image's entrypoint. Arguments that are cint-mock's (a flag, or `validate`) run the command line
# with them, so `docker run IMAGE --port 9618` and `docker run IMAGE validate /scenarios` work; anything
# else is a command of its own (the CMD `node dist/src/cli.js`, `node dist/src/cli.js --port 9618`,
# `sh`). The base image's entrypoint ran `node "$@"` for a first argument starting with "-", so
# `docker run IMAGE --port 9618` was `node --port 9618`: "node: bad option: --port".
# exec: the command replaces this shell, so node is PID 1 and gets docker stop's SIGTERM itself.
set -e
case "${1-}" in
  -* | validate) set -- node dist/src/cli.js "$@" ;;
esac
exec "$@"
