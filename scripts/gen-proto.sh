#!/usr/bin/env bash
# Regenerates src/api/gen/api.ts from proto/api.proto (needs Debian's protoc).
# The output is committed so that building Berth needs no protoc.
set -euo pipefail
cd "$(dirname "$0")/.."
protoc \
  --plugin=protoc-gen-ts_proto=node_modules/.bin/protoc-gen-ts_proto \
  --ts_proto_out=src/api/gen \
  --ts_proto_opt=forceLong=bigint,outputServices=false,esModuleInterop=true,importSuffix=.js,env=node,useExactTypes=false,outputPartialMethods=true \
  -I proto proto/api.proto proto/berth.proto
