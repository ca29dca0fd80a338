{{/* Name of the chart's objects, "accelfleet" unless overridden. */}}
{{- define "accelfleet.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Prefix of every namespaced object; cluster-scoped objects use it too so two releases never collide. */}}
{{- define "accelfleet.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "accelfleet.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "accelfleet.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "accelfleet.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "accelfleet.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: accelfleet
{{- end }}

{{/* Selector labels of one component ("operator" or "device-plugin"); never change across upgrades. */}}
{{- define "accelfleet.selectorLabels" -}}
app.kubernetes.io/name: {{ include "accelfleet.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "accelfleet.operatorName" -}}
{{- printf "%s-operator" (include "accelfleet.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "accelfleet.devicePluginName" -}}
{{- printf "%s-device-plugin" (include "accelfleet.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "accelfleet.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
Container security context of the restricted Pod Security profile: non-root with a numeric user,
no privilege escalation, no capabilities, the runtime's seccomp profile, read-only root.
*/}}
{{- define "accelfleet.restrictedContainerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Renders a multi-document YAML file of the chart as objects carrying the release's labels, so Helm
tracks, upgrades and removes them like its own templates.
*/}}
{{- define "accelfleet.filesAsObjects" -}}
{{- $root := .root }}
{{- range $doc := regexSplit "(?m)^---\\s*$" ($root.Files.Get .path) -1 }}
{{- $obj := fromYaml $doc }}
{{- if and $obj (hasKey $obj "kind") }}
{{- $meta := default dict $obj.metadata }}
{{- $_ := set $meta "labels" (merge (default dict $meta.labels) (fromYaml (include "accelfleet.labels" $root))) }}
{{- $_ := set $obj "metadata" $meta }}
---
{{ toYaml $obj }}
{{- end }}
{{- end }}
{{- end }}
