#!/usr/bin/env bash
# Manual end-to-end check of crash recovery: starts the studio on the demo picture (a painted mask) with a
# 2-second autosave under Xvfb, kills it with SIGKILL, starts it again and snapshots the restored window.
# Needs: apt-get install -y xvfb xauth libgtk-3-0
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
out="${1:-/tmp/atelier-recovered.png}"
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
xvfb-run -a -s "-screen 0 1280x1024x24" bin/studio --demo --home "$home" --autosave-seconds 2 >/dev/null 2>&1 &
for _ in $(seq 1 60); do [ -f "$home/recovery/autosave.atelier" ] && break; sleep 1; done
sleep 1
pid="$(pgrep -f "dev.atelier.app.Launcher --demo --home $home" | head -1)"
[ -n "$pid" ] || { echo "studio did not start" >&2; exit 1; }
kill -9 "$pid"
wait || true
test -f "$home/recovery/autosave.atelier" || { echo "no autosave left after kill -9" >&2; exit 1; }
xvfb-run -a -s "-screen 0 1280x1024x24" bin/studio --home "$home" --screenshot "$out" 2>/dev/null | grep Screenshot
echo "Restored window: $out (the status bar should say the unsaved work was restored)"
