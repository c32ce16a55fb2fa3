#!/bin/busybox sh
# Run by manifests/nginx.toml inside the guest: checks the package's
# configuration, starts nginx (it daemonizes; workers run as www-data), fetches
# the default page over TCP on the loopback interface, and stops nginx.
set -e
echo "config -> $(nginx -t 2>&1 | busybox grep -o 'syntax is ok')"
nginx

# Wait (up to ~20 s) until the server answers.
tries=0
until page=$(busybox wget -q -O - http://127.0.0.1/ 2>/dev/null); do
  tries=$((tries + 1))
  if [ "$tries" -gt 200 ]; then
    echo "nginx did not answer; its error log:"
    busybox cat /var/log/nginx/error.log
    exit 1
  fi
  busybox usleep 100000
done
echo "nginx -> $(echo "$page" | busybox grep -o '<title>.*</title>')"
nginx -s quit
echo "nginx done"
