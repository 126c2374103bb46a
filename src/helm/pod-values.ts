import type { PodOptions } from '../common/pod-options';
import { Values } from '../common/values';

/**
 * The {@link PodOptions} a Helm user sets, bound to values under `prefix` (e.g. `manager`):
 * nodeSelector, tolerations, affinity, priorityClassName, podLabels, podAnnotations, extraEnv,
 * extraVolumes, extraVolumeMounts and imagePullSecrets, each empty by default (the field is then left out of the manifest). The
 * construct checks them as it checks the props, and records the rules in values.schema.json
 * (and, for tolerations of a privileged pool's taint, in templates/validate.yaml).
 */
export function podOptionValues(values: Values, prefix: string, what: string): PodOptions {
  const at = (p: string) => `${prefix}.${p}`;
  return {
    nodeSelector: values.object<Record<string, string>>(at('nodeSelector'), { default: {}, description: `Node labels the ${what} pods must run on (nodeSelector)` }),
    tolerations: values.object(at('tolerations'), { default: [], description: `Tolerations of the ${what} pods; a privileged node pool's taint is refused` }),
    affinity: values.object(at('affinity'), { default: {}, description: `Node and pod affinity of the ${what} pods, as in a pod spec` }),
    priorityClassName: values.string(at('priorityClassName'), { default: '', optional: true, description: `PriorityClass of the ${what} pods (empty: the cluster's default)` }),
    podLabels: values.object<Record<string, string>>(at('podLabels'), { default: {}, description: `Extra labels of the ${what} pods (app.kubernetes.io/* are the chart's)` }),
    podAnnotations: values.object<Record<string, string>>(at('podAnnotations'), { default: {}, description: `Extra annotations of the ${what} pods` }),
    extraEnv: values.object(at('extraEnv'), { default: [], description: `Extra environment variables of the ${what} container, as in a pod spec ({ name, value } or { name, valueFrom }); names the chart sets are refused` }),
    extraVolumes: values.object(at('extraVolumes'), { default: [], description: `Extra volumes of the ${what} pods, as in a pod spec: a name and one source of configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected or secret; names the chart uses are refused` }),
    extraVolumeMounts: values.object(at('extraVolumeMounts'), { default: [], description: `Mounts of extraVolumes into the ${what} container ({ name, mountPath, readOnly, subPath }); paths at, inside or around the chart's mounts are refused` }),
    imagePullSecrets: values.object<string[]>(at('imagePullSecrets'), { default: [], itemKey: 'name', description: `Names of Secrets holding registry credentials for the ${what} images` }),
  };
}
