import * as k8s from '../../imports/k8s';

/**
 * Egress to DNS on port 53, UDP and TCP, to any address: the cluster's resolver may be kube-dns,
 * NodeLocal DNSCache on a link-local address, or a node-level resolver.
 */
export function dnsEgress(): k8s.NetworkPolicyEgressRule {
  return { ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) }] };
}

/** NetworkPolicy ports for TCP port numbers. */
export function tcpPorts(...ports: number[]): k8s.NetworkPolicyPort[] {
  return ports.map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) }));
}
