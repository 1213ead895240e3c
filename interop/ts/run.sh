#!/bin/sh
# Interop check of mm serve (stdio, then --http) against the official
# TypeScript MCP SDK client.
# Needs Node.js 20+ and Go; run from anywhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

cd "$here"
npm ci --no-audit --no-fund
(cd "$root" && CGO_ENABLED=0 go build -o "$tmp/mm" ./cmd/mm)
MM_BIN="$tmp/mm" node run.mjs
