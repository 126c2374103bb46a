{{- define "cdk8s-gitlab-runner.allNamedIn" -}}
{{- $names := list -}}{{- range (index . 1) -}}{{- $names = append $names (toString .name) -}}{{- end -}}
{{- $all := true -}}
{{- range (index . 0) -}}{{- if not (has (toString .name) $names) -}}{{- $all = false -}}{{- end -}}{{- end -}}
{{- $all -}}
{{- end -}}
{{- define "cdk8s-gitlab-runner.anyNamed" -}}
{{- $names := index . 1 -}}{{- $hit := false -}}
{{- range (index . 0) -}}{{- if has (toString .name) $names -}}{{- $hit = true -}}{{- end -}}{{- end -}}
{{- $hit -}}
{{- end -}}
{{- define "cdk8s-gitlab-runner.literalNamed" -}}
{{- $pattern := index . 1 -}}{{- $except := index . 2 -}}{{- $hit := false -}}
{{- range (index . 0) -}}{{- if and (regexMatch $pattern (toString .name)) (not (regexMatch $except (toString .name))) (ne (toString (.value | default "")) "") -}}{{- $hit = true -}}{{- end -}}{{- end -}}
{{- $hit -}}
{{- end -}}
{{- define "cdk8s-gitlab-runner.mountOverlaps" -}}
{{- $paths := index . 1 -}}{{- $hit := false -}}
{{- range (index . 0) -}}
{{- $a := include "cdk8s-gitlab-runner.mountPath" .mountPath -}}
{{- range $paths -}}{{- $b := . -}}{{- if (or (eq $a $b) (hasPrefix (printf "%s/" $a) $b) (hasPrefix (printf "%s/" $b) $a)) -}}{{- $hit = true -}}{{- end -}}{{- end -}}
{{- end -}}
{{- $hit -}}
{{- end -}}
{{- define "cdk8s-gitlab-runner.mountPath" -}}
{{- $n := "" -}}{{- range splitList "/" (toString .) -}}{{- if and (ne . "") (ne . ".") -}}{{- $n = printf "%s/%s" $n . -}}{{- end -}}{{- end -}}
{{- $n -}}
{{- end -}}
{{- define "cdk8s-gitlab-runner.mountsClash" -}}
{{- $seen := list -}}{{- $hit := false -}}
{{- range . -}}
{{- $a := include "cdk8s-gitlab-runner.mountPath" .mountPath -}}
{{- range $seen -}}{{- $b := . -}}{{- if (or (eq $a $b) (hasPrefix (printf "%s/" $a) $b) (hasPrefix (printf "%s/" $b) $a)) -}}{{- $hit = true -}}{{- end -}}{{- end -}}
{{- $seen = append $seen $a -}}
{{- end -}}
{{- $hit -}}
{{- end -}}
{{- define "cdk8s-gitlab-runner.quantity" -}}
{{- $s := toString . -}}
{{- $n := regexFind "^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)" $s -}}
{{- $suffix := trimPrefix $n $s -}}
{{- $exponent := regexMatch "^[eE][-+]?[0-9]+$" $suffix -}}
{{- if or (gt (len $n) 300) (and $exponent (gt (trimPrefix "+" (substr 1 -1 $suffix) | int) 300)) -}}1e308
{{- else if $exponent -}}{{ float64 $s }}
{{- else -}}{{ mulf (float64 $n) (get (dict "" 1 "n" 1e-9 "u" 1e-6 "m" 1e-3 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "Pi" 1125899906842624 "Ei" 1152921504606846976) $suffix) }}
{{- end -}}
{{- end -}}
{{- define "cdk8s-gitlab-runner.sameNamed" -}}
{{- $names := list -}}{{- $hit := false -}}
{{- range . -}}{{- if has (toString .name) $names -}}{{- $hit = true -}}{{- end -}}{{- $names = append $names (toString .name) -}}{{- end -}}
{{- $hit -}}
{{- end -}}
{{- define "cdk8s-gitlab-runner.tolerates" -}}
{{- $key := index . 1 -}}{{- $value := index . 2 -}}{{- $effect := index . 3 -}}
{{- $hit := false -}}
{{- range (index . 0) -}}
{{- $k := .key | default "" -}}{{- $e := .effect | default "" -}}
{{- if or (eq $e "") (eq $e $effect) -}}
{{- if eq (.operator | default "Equal") "Exists" -}}
{{- if or (eq $k "") (eq $k $key) -}}{{- $hit = true -}}{{- end -}}
{{- else if and (eq $k $key) (eq (.value | default "") $value) -}}{{- $hit = true -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $hit -}}
{{- end -}}
{{- define "cdk8s-gitlab-runner.urlPort" -}}
{{- $u := urlParse . -}}
{{- $p := regexFind ":[0-9]+$" $u.host | trimPrefix ":" -}}
{{- if $p }}{{ $p }}{{ else if eq (lower $u.scheme) "https" }}443{{ else }}80{{ end -}}
{{- end -}}
