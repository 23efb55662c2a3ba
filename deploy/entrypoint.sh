#!/bin/sh
# The container's entrypoint, run by tini: makes the disk at PARACHUTE_HOME the hub's, then runs the
# command (`parachute serve`) as the hub's user. The hub does the rest on every start: it creates an
# empty home, migrates one written by an earlier version, and runs a newer hub installed on the disk.
set -eu

home="${PARACHUTE_HOME:-/parachute}"
user="${PARACHUTE_USER:-parachute}"

# Dropping privileges to a user that is root again (PARACHUTE_USER=0, say) drops nothing: no drop.
if [ "$(id -u)" = 0 ] && [ "$(id -u "$user")" != 0 ]; then
  mkdir -p "$home"
  # A platform's disk is mounted owned by root: hand it over once (again only if it was replaced).
  if [ "$(stat -c %u "$home")" != "$(id -u "$user")" ]; then
    chown -R -P -h "$user:$(id -gn "$user")" "$home"
  fi
  chmod 700 "$home"
  export HOME="$home"
  exec setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- "$@"
fi

if ! mkdir -p "$home" 2>/dev/null || [ ! -w "$home" ]; then
  echo "parachute: $home is not writable by $(id -un); mount the disk there, or start the container as root so it can be handed to the hub's user" >&2
  exit 1
fi
exec "$@"
