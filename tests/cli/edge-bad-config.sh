#!/usr/bin/env bash
# twinbench-edge refuses bad configurations with exit 2 and a message that names the file, the JSON
# path and what was expected (@F@ stands for the file itself); a port it cannot listen on is exit 1, naming the address.
# usage: edge-bad-config.sh <twinbench-edge> <work dir>
set -euo pipefail
edge=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
fails=0 total=1  # the checks below, and the unknown option at the end
check() {  # check <expected exit> <expected stderr line> <config JSON | -missing>
  local want=$1 msg=$2 json=$3 f="$work/edge.json"
  total=$((total + 1))
  if [ "$json" = "-missing" ]; then f="$work/no-such.json"; else printf '%s\n' "${json//@F@/$f}" > "$f"; fi
  set +e
  timeout 10 "$edge" --config "$f" > "$work/out" 2> "$work/err"
  local code=$?
  set -e
  msg=${msg//@F@/$f}
  if [ "$code" -ne "$want" ] || ! grep -qxF "$msg" "$work/err"; then
    echo "FAIL: $json -> exit $code, expected $want with: $msg"; cat "$work/err"; fails=$((fails + 1))
  fi
}
check 2 "error: @F@: cannot read edge configuration: no such file" -missing
check 2 "error: @F@:1:3: malformed JSON: syntax error while parsing object key - invalid literal; last read: '{na'; expected string literal" '{name}'
check 2 "error: @F@: /format: expected \"twinbench-edge/1\", got 'twinbench-edge/9'" '{"format": "twinbench-edge/9", "name": "g"}'
check 2 "error: @F@: /name: expected a name usable as one MQTT topic level (no '/', '+' or '#'), got 'a/b'" '{"format": "twinbench-edge/1", "name": "a/b"}'
check 2 "error: @F@: /listen/port: expected an integer in [0, 65535], got 70000" '{"format": "twinbench-edge/1", "name": "g", "listen": {"port": 70000}}'
check 2 "error: @F@: /telemetry_filter: expected an MQTT topic filter ('+' and '#' only as whole levels, '#' last), got 'tb/#/x'" '{"format": "twinbench-edge/1", "name": "g", "telemetry_filter": "tb/#/x"}'
check 2 "error: @F@: /mqtt/max_inflight: expected a positive integer, got 0" '{"format": "twinbench-edge/1", "name": "g", "mqtt": {"max_inflight": 0}}'
check 2 "error: @F@: /uplink/broker: expected \"mqtt://host:port\" or \"mqtts://host:port\", got 'tcp://x'" '{"format": "twinbench-edge/1", "name": "g", "uplink": {"broker": "tcp://x"}}'
check 2 "error: @F@: /uplink/password: secrets are not kept in edge.json: put the password alone in a file only the daemon's user can read (chmod 600) and name it in \"password_file\"" '{"format": "twinbench-edge/1", "name": "g", "uplink": {"broker": "mqtt://h:1", "password": "p"}}'
printf 'p\n' > "$work/open-secret" && chmod 644 "$work/open-secret"
check 2 "error: @F@: /uplink/password_file: $work/open-secret is open to others (mode 644): expected a file only its owner can read (chmod 600)" '{"format": "twinbench-edge/1", "name": "g", "uplink": {"broker": "mqtt://h:1", "username": "u", "password_file": "open-secret"}}'
# Who may connect is always said; anonymous access only when asked for.
check 2 "error: @F@: /auth: expected who may connect and what they may do (a password file and ACL rules, or explicitly \"allow_anonymous\": true; docs/security.md)" '{"format": "twinbench-edge/1", "name": "g"}'
check 2 "error: @F@: /auth/password_file: no client could connect: expected a password file (twinbench-edge passwd), certificate_identity, or allow_anonymous" '{"format": "twinbench-edge/1", "name": "g", "auth": {}}'
check 2 "error: @F@: /auth/allow_anonymous: expected true or false, got \"yes\"" '{"format": "twinbench-edge/1", "name": "g", "auth": {"allow_anonymous": "yes"}}'
check 2 "error: @F@: /auth/acl/0/publish/1: expected a topic filter (with %c, %u, %g), got \"tb/#/x\"" '{"format": "twinbench-edge/1", "name": "g", "auth": {"allow_anonymous": true, "acl": [{"identity": "*", "publish": ["tb/%c", "tb/#/x"]}]}}'
check 2 "error: @F@: /auth/acl/0/subscribe/0: expected a topic filter (with %c, %u, %g), got \"tb/%x\"" '{"format": "twinbench-edge/1", "name": "g", "auth": {"allow_anonymous": true, "acl": [{"identity": "*", "subscribe": ["tb/%x"]}]}}'
check 2 "error: @F@: /auth/acl/0/identity: expected a username, a certificate name, \"*\" or \"anonymous\"" '{"format": "twinbench-edge/1", "name": "g", "auth": {"allow_anonymous": true, "acl": [{"identity": ""}]}}'
printf '# empty\n' > "$work/open-passwords" && chmod 666 "$work/open-passwords"
check 2 "error: @F@: /auth/password_file: $work/open-passwords can be changed by others (mode 666): expected a file only its owner can write (chmod 600)" '{"format": "twinbench-edge/1", "name": "g", "auth": {"password_file": "open-passwords"}}'
printf 'cloud:secret\n' > "$work/plain-passwords" && chmod 600 "$work/plain-passwords"
check 2 "error: @F@: /auth/password_file: $work/plain-passwords: line 1: the hash of 'cloud': expected a hash starting \"\$scrypt\$\" (twinbench-edge passwd makes them)" '{"format": "twinbench-edge/1", "name": "g", "auth": {"password_file": "plain-passwords"}}'
check 2 "error: @F@: /uplink/clean_session: expected true or false, got \"no\"" '{"format": "twinbench-edge/1", "name": "g", "uplink": {"broker": "mqtt://h:1", "clean_session": "no"}}'
check 2 "error: @F@: /opcua/fields: expected 1 to 32 field names" '{"format": "twinbench-edge/1", "name": "g", "opcua": {"topic_filter": "opcua/#", "fields": []}}'
check 2 "error: @F@: /opcua/fields/1: expected a DataSet field name" '{"format": "twinbench-edge/1", "name": "g", "opcua": {"topic_filter": "opcua/#", "fields": ["a", 7]}}'
check 1 "twinbench-edge: cannot listen on 10.255.255.1:0: Cannot assign requested address" '{"format": "twinbench-edge/1", "name": "g", "listen": {"host": "10.255.255.1", "port": 0}, "auth": {"allow_anonymous": true}}'
check 2 "error: @F@: /lwm2m/fields/0: expected a resource path /object/instance/resource, like \"/3303/0/5700\"" '{"format": "twinbench-edge/1", "name": "g", "lwm2m": {"fields": ["/3303/0"]}}'
check 2 "error: @F@: /lwm2m/observe/0: expected an object, instance or resource path, like \"/3303/0\"" '{"format": "twinbench-edge/1", "name": "g", "lwm2m": {"fields": ["/3303/0/5700"], "observe": ["3303"]}}'
check 2 "error: @F@: /lwm2m/port: unknown key 'port' (expected one of: listen, fields, observe, default_lifetime_s)" '{"format": "twinbench-edge/1", "name": "g", "lwm2m": {"fields": ["/3303/0/5700"], "port": 1}}'
check 1 "twinbench-edge: cannot listen on udp 0.0.0.1x:5683: '0.0.0.1x' is not an IP address" '{"format": "twinbench-edge/1", "name": "g", "listen": {"port": 0}, "auth": {"allow_anonymous": true}, "lwm2m": {"fields": ["/3303/0/5700"], "listen": {"host": "0.0.0.1x"}}}'
check 2 "error: @F@: /uplink/tls: cannot load CA certificates '/nonexistent/ca.pem': No such file or directory" '{"format": "twinbench-edge/1", "name": "g", "auth": {"allow_anonymous": true}, "uplink": {"broker": "mqtts://h:1", "tls": {"ca_file": "/nonexistent/ca.pem"}}}'
check 2 "error: @F@: /uplink/tls: cannot load CA certificates '@F@': not PEM certificates" '{"format": "twinbench-edge/1", "name": "g", "auth": {"allow_anonymous": true}, "uplink": {"broker": "mqtts://h:1", "tls": {"ca_file": "@F@"}}}'
check 2 "error: @F@: /ota/storage: model updates need \"edge_ai\": a model to start from" '{"format": "twinbench-edge/1", "name": "g", "ota": {"storage": "s", "trusted_key": "00", "factory_manifest": "f"}}'
models=$(cd "$(dirname "$0")/../../models" && pwd)
check 2 "error: @F@: /edge_ai/site_baseline/quantile: expected a quantile of the healthy scores between 0.5 and 1 (exclusive), such as 0.999" '{"format": "twinbench-edge/1", "name": "g", "edge_ai": {"model": "'"$models"'/compressor-ae", "site_baseline": {"duration_s": 86400, "quantile": 1}}}'
check 2 "error: @F@: /edge_ai/site_baseline: missing required key 'duration_s'" '{"format": "twinbench-edge/1", "name": "g", "edge_ai": {"model": "'"$models"'/compressor-ae", "site_baseline": {}}}'
check 2 "error: @F@: /other_classes: needs \"edge_ai\": the gateway's own class's model (its rules scope to its class)" '{"format": "twinbench-edge/1", "name": "g", "other_classes": [{"telemetry_filter": "tb/+/+/telemetry/pump", "edge_ai": {"model": "'"$models"'/pump-ae"}}]}'
check 2 "error: @F@: /other_classes/0/telemetry_filter: expected an MQTT topic filter ('+' and '#' only as whole levels, '#' last), got 'tb/#/pump'" '{"format": "twinbench-edge/1", "name": "g", "edge_ai": {"model": "'"$models"'/compressor-ae"}, "other_classes": [{"telemetry_filter": "tb/#/pump", "edge_ai": {"model": "'"$models"'/pump-ae"}}]}'
check 2 "error: @F@: /other_classes/0/edge_ai: the compressor class is the gateway's own (edge_ai): other_classes are further classes" '{"format": "twinbench-edge/1", "name": "g", "edge_ai": {"model": "'"$models"'/compressor-ae"}, "other_classes": [{"telemetry_filter": "tb/+/+/telemetry/c", "edge_ai": {"model": "'"$models"'/compressor-ae"}}]}'
umask 077 && printf 'short\n' > "$work/short.key" && printf '0123456789abcdef0123\n' > "$work/ok.key" && umask 022
check 2 "error: @F@: /webhooks/partners/0/url: expected \"https://host[:port]/path\" (or http:// on a trusted network), got 'ftp://x'" '{"format": "twinbench-edge/1", "name": "g", "webhooks": {"partners": [{"name": "cmms", "url": "ftp://x", "secret_file": "ok.key"}]}}'
check 2 "error: @F@: /webhooks/partners/0/secret_file: expected a secret of at least 16 bytes (a shared HMAC key), got 5" '{"format": "twinbench-edge/1", "name": "g", "webhooks": {"partners": [{"name": "cmms", "url": "https://h/x", "secret_file": "short.key"}]}}'
check 2 "error: @F@: /webhooks/partners/0/secret_file: $work/open-secret is open to others (mode 644): expected a file only its owner can read (chmod 600)" '{"format": "twinbench-edge/1", "name": "g", "webhooks": {"partners": [{"name": "cmms", "url": "https://h/x", "secret_file": "open-secret"}]}}'
check 2 "error: @F@: /webhooks/partners/1/name: two partners named 'cmms'" '{"format": "twinbench-edge/1", "name": "g", "webhooks": {"partners": [{"name": "cmms", "url": "https://h/x", "secret_file": "ok.key"}, {"name": "cmms", "url": "https://h/y", "secret_file": "ok.key"}]}}'
check 2 "error: @F@: /audit_log: expected a file for the audit log" '{"format": "twinbench-edge/1", "name": "g", "audit_log": "."}'
check 2 "error: @F@: /uplink/tls: TLS settings need an \"mqtts://\" broker" '{"format": "twinbench-edge/1", "name": "g", "uplink": {"broker": "mqtt://h:1", "tls": {}}}'
check 2 "error: @F@: /uplink/tls/cert_file: a client certificate needs its key_file, and a key its cert_file" '{"format": "twinbench-edge/1", "name": "g", "uplink": {"broker": "mqtts://h:1", "tls": {"cert_file": "c.pem"}}}'
check 2 "error: @F@: /uplink/mqtt_version: expected \"3.1.1\" or \"5\", got '4'" '{"format": "twinbench-edge/1", "name": "g", "uplink": {"broker": "mqtt://h:1", "mqtt_version": "4"}}'
check 2 "error: @F@: /uplink/session_expiry_s: a session expiry needs \"mqtt_version\": \"5\"" '{"format": "twinbench-edge/1", "name": "g", "uplink": {"broker": "mqtt://h:1", "session_expiry_s": 60}}'
check 2 "error: @F@: /auth/certificate_identity: client certificates are identities only on a TLS listener that checks them: expected listen.tls.client_ca_file" '{"format": "twinbench-edge/1", "name": "g", "auth": {"certificate_identity": true}}'
check 2 "error: @F@: /listen/tls/require_client_certificate: client certificates are checked against client_ca_file: expected one" '{"format": "twinbench-edge/1", "name": "g", "listen": {"tls": {"cert_file": "c", "key_file": "k", "require_client_certificate": true}}, "auth": {"allow_anonymous": true}}'
check 2 "error: @F@: /listen/tls: cannot load certificate '/nonexistent/gw.pem': No such file or directory" '{"format": "twinbench-edge/1", "name": "g", "listen": {"port": 0, "tls": {"cert_file": "/nonexistent/gw.pem", "key_file": "k"}}, "auth": {"allow_anonymous": true}}'
check 2 "error: @F@: /twin/interface: no Interface 'dtmi:x:Nothing;1' in the models" \
  '{"format": "twinbench-edge/1", "name": "g", "auth": {"allow_anonymous": true}, "twin": {"models": ["'"$models"'/dtdl"], "interface": "dtmi:x:Nothing;1"}}'
check 2 "error: @F@: /twin/telemetry_binding: needs \"edge_ai\": its model's asset class names the channels bound" \
  '{"format": "twinbench-edge/1", "name": "g", "auth": {"allow_anonymous": true}, "twin": {"models": ["'"$models"'/dtdl"], "interface": "dtmi:twinbench:Compressor;1", "telemetry_binding": {"power": "power_kw"}}}'
check 2 "error: @F@: /twin/telemetry_binding: the model reads 'motor_current_a', which the binding does not send" \
  '{"format": "twinbench-edge/1", "name": "g", "auth": {"allow_anonymous": true}, "edge_ai": {"model": "'"$models"'/compressor-ae"}, "twin": {"models": ["'"$models"'/dtdl"], "interface": "dtmi:twinbench:Compressor;1", "telemetry_binding": {"power": "power_kw"}}}'
check 2 "error: @F@: /twin/telemetry_binding/power: the compressor class has no channel 'watts' (expected one of: motor_current_a, discharge_pressure_bar, discharge_temp_c, vibration_rms_mm_s, power_kw, duty_cycle)" \
  '{"format": "twinbench-edge/1", "name": "g", "auth": {"allow_anonymous": true}, "edge_ai": {"model": "'"$models"'/compressor-ae"}, "twin": {"models": ["'"$models"'/dtdl"], "interface": "dtmi:twinbench:Compressor;1", "telemetry_binding": {"power": "watts"}}}'
# The console: people log in with the password file's passwords, what they do is audited, its key is a secret.
printf 'tom tom-secret-1\n' | "$edge" passwd "$work/people" --batch --cost 4 > /dev/null
printf 'k\n' > "$work/open-console.key" && chmod 644 "$work/open-console.key"
umask 077 && printf 'k\n' > "$work/console.key" && umask 022
auth='"auth": {"password_file": "people", "acl": []}'
ai='"edge_ai": {"model": "'"$models"'/compressor-ae"}'
console() { printf '{"format": "twinbench-edge/1", "name": "g", %s, %s "console": %s}' "$auth" "$1" "$2"; }
ok_console='{"tls": {"cert_file": "c.pem", "key_file": "console.key"}, "users": {"tom": "technician"}, "rules_dir": "rules"}'
check 2 "error: @F@: /console/users: the console's alerts and rules are the edge AI's: expected \"edge_ai\" too" "$(console "" "$ok_console")"
check 2 "error: @F@: /console/users: what people do at the console is audited: expected \"audit_log\" too" "$(console "$ai," "$ok_console")"
check 2 "error: @F@: /console/users/ann: 'ann' has no password in auth.password_file (twinbench-edge passwd <file> ann)" \
  "$(console "$ai, \"audit_log\": \"a.jsonl\"," '{"tls": {"cert_file": "c.pem", "key_file": "console.key"}, "users": {"ann": "operator"}, "rules_dir": "rules"}')"
check 2 "error: @F@: /console/users/tom: expected a role: \"technician\", \"operator\" or \"manager\", got \"admin\"" \
  "$(console "$ai, \"audit_log\": \"a.jsonl\"," '{"tls": {"cert_file": "c.pem", "key_file": "console.key"}, "users": {"tom": "admin"}, "rules_dir": "rules"}')"
check 2 "error: @F@: /console/tls/key_file: $work/open-console.key is open to others: expected a file only its owner can read (chmod 600)" \
  "$(console "$ai, \"audit_log\": \"a.jsonl\"," '{"tls": {"cert_file": "c.pem", "key_file": "open-console.key"}, "users": {"tom": "technician"}, "rules_dir": "rules"}')"
check 2 "error: @F@: /console/tls: cannot read the certificate $work/c.pem" "$(console "$ai, \"audit_log\": \"a.jsonl\"," "$ok_console")"
printf 'not a certificate\n' > "$work/c.pem"
check 2 "error: @F@: /console/tls: the certificate $work/c.pem is not a PEM certificate chain" "$(console "$ai, \"audit_log\": \"a.jsonl\"," "$ok_console")"
[ ! -e "$work/a.jsonl" ] && [ ! -e "$work/rules" ] || { echo "FAIL: a refused console configuration left an audit log or a rules folder behind"; fails=$((fails + 1)); }
set +e
"$edge" --frobnicate > /dev/null 2> "$work/err"
code=$?
set -e
[ "$code" -eq 2 ] && grep -q "unexpected argument '--frobnicate'" "$work/err" || { echo "FAIL: unknown option -> exit $code"; fails=$((fails + 1)); }
[ "$fails" -eq 0 ] || exit 1
echo "ok: $total bad configurations and usages refused with the right exit code and message"
