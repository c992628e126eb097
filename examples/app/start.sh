#!/bin/sh
# Records the boot in the data volume, then serves /www. sh stays PID 1 with a TERM trap, so
# `docker stop` (and a deploy's switch) ends the app at once instead of after 10 s.
mkdir -p /data
echo "$APP_VERSION $(date -u +%Y-%m-%dT%H:%M:%SZ)" >> /data/boots
echo "$APP_VERSION" > /www/version
httpd -f -p 8080 -h /www &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; exit 0' TERM INT
wait $pid
