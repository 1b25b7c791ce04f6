# Sourced by the bin/ scripts: picks a Java 25 (JAVA_HOME if it is 25+, else Temurin 25 where these machines keep it).
pick_java() {
  local cand
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/java-25-openjdk-amd64; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] || continue
    local v
    v=$("$cand/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')
    if [ "${v%%.*}" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$cand"
      JAVA="$cand/bin/java"
      return 0
    fi
  done
  echo "Atelier needs Java 25 or newer. Install Temurin 25 (https://adoptium.net) and set JAVA_HOME to it." >&2
  exit 3
}
pick_java
