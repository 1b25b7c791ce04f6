#!/usr/bin/env bash
# Takes docs/studio.png: the real studio window under Xvfb (software rendering), showing the demo picture.
# Needs: apt-get install -y xvfb xauth libgtk-3-0 (and a CJK font such as fonts-wqy-microhei for ATELIER_LANG=zh)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/bin/java-env.sh"
cd "$here"
out="${1:-docs/studio.png}"
if ! command -v xvfb-run >/dev/null; then
  echo "xvfb-run is missing: apt-get install -y xvfb xauth libgtk-3-0" >&2
  exit 2
fi
if [ ! -f app/target/atelier-app.jar ] || [ -n "$(find app/src ui-resources app/pom.xml -newer app/target/atelier-app.jar -print -quit 2>/dev/null)" ]; then
  mvn -B -q package -DskipTests
fi
mkdir -p "$(dirname "$out")"
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
xvfb-run -a -s "-screen 0 1280x1024x24" \
  "$JAVA" --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true -Dprism.order=sw ${ATELIER_JAVA_OPTS:-} \
  -cp "app/target/atelier-app.jar:app/target/lib/*" dev.atelier.app.Launcher \
  --demo --home "$home" --lang "${ATELIER_LANG:-en}" --theme "${ATELIER_THEME:-dark}" --screenshot "$out"
test -s "$out"
echo "$out"
