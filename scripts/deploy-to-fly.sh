#!/usr/bin/env bash
# Deploys this repository to Fly.io as one Machine with one volume at /parachute (docs/deploy.md):
#
#   ./scripts/deploy-to-fly.sh [app-name] [region]
#
# Finds flyctl (or installs it), launches the app from fly.toml, creates the volume, sets a one-time
# setup token as a secret, deploys, and prints the setup page's URL with the token. Run it again to
# deploy a newer checkout: the app, the volume and the token are kept.
set -euo pipefail
cd "$(dirname "$0")/.."

# The app: the one named, else the one an earlier run wrote into fly.toml, else a new name.
launched="$(sed -n 's/^app = "\(.*\)"$/\1/p' fly.toml)"
if [ "$launched" = "parachute" ]; then launched=""; fi
app="${1:-${launched:-parachute-$(od -An -tx1 -N3 /dev/urandom | tr -d ' \n')}}"
region="${2:-${FLY_REGION:-ams}}"
if ! [[ "$app" =~ ^[a-z0-9][a-z0-9-]{1,62}$ ]]; then
  echo "deploy-to-fly: \"$app\" is not a Fly app name (lower-case letters, digits and dashes)" >&2
  exit 2
fi

fly=""
for candidate in flyctl fly "$HOME/.fly/bin/flyctl"; do
  if command -v "$candidate" >/dev/null 2>&1; then
    fly="$(command -v "$candidate")"
    break
  fi
done
if [ -z "$fly" ]; then
  echo "flyctl is not installed; installing it (https://fly.io/docs/flyctl/install/)"
  curl -fsSL https://fly.io/install.sh | sh
  fly="$HOME/.fly/bin/flyctl"
fi

"$fly" auth whoami >/dev/null 2>&1 || "$fly" auth login

if "$fly" status --app "$app" >/dev/null 2>&1; then
  echo "deploying to the existing app $app"
else
  "$fly" launch --copy-config --no-deploy --name "$app" --region "$region" --yes
fi

if ! "$fly" volumes list --app "$app" 2>/dev/null | grep -q parachute_data; then
  "$fly" volumes create parachute_data --app "$app" --region "$region" --size 1 --yes
fi

token=""
if ! "$fly" secrets list --app "$app" 2>/dev/null | grep -q PARACHUTE_SETUP_TOKEN; then
  token="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
  "$fly" secrets set --app "$app" --stage "PARACHUTE_SETUP_TOKEN=$token"
  # Said now, so a deploy that fails does not take it along.
  echo "the setup token (the setup page asks for it): $token"
fi

if ! "$fly" deploy --app "$app" --ha=false; then
  echo "deploy-to-fly: the deploy failed; fix what it says and run this script again (\`$fly logs --app $app\` shows the hub's side)" >&2
  exit 1
fi

echo
echo "Parachute is running at https://$app.fly.dev"
if [ -n "$token" ]; then
  echo "Open https://$app.fly.dev/admin/setup and enter the setup token: $token"
else
  echo "Open https://$app.fly.dev/ (the setup token was printed at the first deploy; lost it? see docs/deploy.md)"
fi
