#!/bin/sh
# preStop hook of the runner manager's container: a graceful stop, as gitlab-runner prescribes
# on Linux (commands/multi.go: SIGQUIT finishes running jobs, SIGTERM and SIGINT abort them).
#
#   pre-stop.sh PID GRACE RESERVE
#
# Sends SIGQUIT to PID (`gitlab-runner run`, the container's PID 1): the runner stops asking
# GitLab for jobs and waits for the running ones; its metrics listener keeps answering, so the
# liveness probe holds. Then waits until PID has exited, or until GRACE - RESERVE seconds have
# passed. GRACE is the pod's terminationGracePeriodSeconds; RESERVE (shutdown_timeout plus a
# margin) is what is left of it when this hook returns and the kubelet sends SIGTERM: the runner
# then aborts the jobs still running and deletes their build pods before the kubelet's SIGKILL.
# Always exits 0: a failed hook only adds a warning event, and SIGTERM follows either way.
set -u
pid=$1
deadline=$(( $(date +%s) + $2 - $3 ))
kill -QUIT "$pid" 2>/dev/null || exit 0
while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 1; done
exit 0
