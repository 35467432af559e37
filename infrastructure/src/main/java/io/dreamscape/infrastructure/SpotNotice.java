package io.dreamscape.infrastructure;

import java.util.List;

/**
 * A watcher on each GPU instance that turns EC2's two-minute Spot interruption notice into a SIGTERM for the job
 * containers. ECS drains a reclaimed instance, but draining stops only service tasks, not Batch's standalone tasks:
 * without this the worker would run until the instance dies and lose everything since its last checkpoint (up to its
 * 10-minute interval). With it, the worker stops at the next step boundary, uploads a checkpoint within its
 * 100-second grace and exits 143, which the job definition retries.
 *
 * <p>It runs on the host, which reaches the instance metadata (hop limit 1 keeps containers out). On an on-demand
 * instance the notice never comes and the loop only costs a local HTTP call every 5 seconds.
 */
final class SpotNotice {
    static final String SCRIPT = "/usr/local/bin/dreamscape-spot-notice";
    static final String UNIT = "dreamscape-spot-notice.service";

    private SpotNotice() {
    }

    /** The watcher script itself (DREAMSCAPE_IMDS overrides the metadata endpoint, for tests). */
    static List<String> script() {
        List<String> all = userDataCommands();
        return all.subList(1, all.indexOf("EOF"));
    }

    /** Shell lines for the launch template's user data (run once at boot by cloud-init, as root). */
    static List<String> userDataCommands() {
        return List.of(
                "cat > " + SCRIPT + " <<'EOF'",
                "#!/bin/bash",
                "# Dreamscape: SIGTERM to the Batch job containers when EC2 announces a Spot interruption.",
                "imds=${DREAMSCAPE_IMDS:-http://169.254.169.254/latest}",
                "while true; do",
                "  token=$(curl -sf -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' $imds/api/token) \\",
                "    && curl -sf -m 2 -o /dev/null -H \"X-aws-ec2-metadata-token: $token\" "
                        + "$imds/meta-data/spot/instance-action \\",
                "    && { logger -t dreamscape 'Spot interruption notice: SIGTERM to the job containers' || true; "
                        + "docker ps -q --filter label=com.amazonaws.ecs.task-arn "
                        + "| xargs -r docker kill --signal SIGTERM; exit 0; }",
                "  sleep 5",
                "done",
                "EOF",
                "chmod 755 " + SCRIPT,
                "cat > /etc/systemd/system/" + UNIT + " <<'EOF'",
                "[Unit]",
                "Description=Dreamscape: SIGTERM to Batch job containers on a Spot interruption notice",
                "After=docker.service",
                "[Service]",
                "ExecStart=" + SCRIPT,
                "Restart=on-failure",
                "[Install]",
                "WantedBy=multi-user.target",
                "EOF",
                "systemctl daemon-reload",
                "systemctl enable --now --no-block " + UNIT);
    }
}
