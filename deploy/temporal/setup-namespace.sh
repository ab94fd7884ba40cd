#!/bin/sh
# One-shot (service temporal-namespace in docker-compose.yml, image temporalio/admin-tools): once the
# Temporal server answers, the namespace Hookline uses and its four search attributes, then a check
# that the frontend accepts queries on them (its namespace cache is refreshed every few seconds, so
# a start with a search attribute registered a moment ago could still be refused). Idempotent; run
# on every `docker compose up`.
#
# Cannot hang: every call has a time limit, and each step gives up after SETUP_TRIES tries
# SETUP_PAUSE seconds apart (30 × 5 s by default) with one line saying what it waited for.
set -eu

TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
export TEMPORAL_ADDRESS
namespace="${TEMPORAL_NAMESPACE:-default}"
retention="${TEMPORAL_NAMESPACE_RETENTION:-168h}"
tries="${SETUP_TRIES:-30}"
pause="${SETUP_PAUSE:-5}"
call_timeout="${SETUP_CALL_TIMEOUT:-15}"
# workflows/search-attributes.ts; all Keyword
attributes="HooklineCommunityId HooklineWebhookId HooklineEventType HooklineDeliveryStatus"

t() { timeout "$call_timeout" temporal "$@"; }

# retry WHAT COMMAND...: COMMAND until it succeeds, at most $tries times; then a clear failure.
retry() {
  what="$1"
  shift
  try=1
  until "$@"; do
    if [ "$try" -ge "$tries" ]; then
      echo "setup-namespace: gave up after $tries tries ($pause s apart): $what" >&2
      echo "setup-namespace: check the server: docker compose logs temporal" >&2
      exit 1
    fi
    echo "setup-namespace: waiting ($try/$tries): $what" >&2
    try=$((try + 1))
    sleep "$pause"
  done
}

namespace_ready() {
  t operator namespace describe --namespace "$namespace" >/dev/null 2>&1 ||
    t operator namespace create --namespace "$namespace" --retention "$retention" >/dev/null
}

# the retention of closed workflows, also for a namespace created before (docs/retention.md)
retention_set() {
  t operator namespace update --namespace "$namespace" --retention "$retention" >/dev/null
}

attribute_ready() {
  t operator search-attribute list --namespace "$namespace" | grep -qw "$1" ||
    t operator search-attribute create --namespace "$namespace" --name "$1" --type Keyword >/dev/null
}

# a query naming every attribute fails until the frontend knows them all
query=""
for name in $attributes; do query="${query:+$query AND }$name = 'setup-check'"; done
attributes_queryable() {
  t workflow list --namespace "$namespace" --query "$query" --limit 1 >/dev/null
}

retry "the Temporal server at $TEMPORAL_ADDRESS to answer (temporal operator cluster health)" t operator cluster health
retry "namespace $namespace" namespace_ready
retry "retention $retention of namespace $namespace" retention_set
for name in $attributes; do
  retry "search attribute $name in namespace $namespace" attribute_ready "$name"
done
retry "the frontend to accept queries on $attributes" attributes_queryable
echo "setup-namespace: namespace $namespace keeps closed workflows $retention and has $attributes"
