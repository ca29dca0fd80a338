{{- define "probe.labels" -}}
app.kubernetes.io/name: sim-probe
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
