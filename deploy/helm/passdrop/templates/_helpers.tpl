{{/* The chart's name, overridable. */}}
{{- define "passdrop.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's resource name: "RELEASE-passdrop", or RELEASE alone when it already says passdrop. */}}
{{- define "passdrop.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "passdrop.selectorLabels" -}}
app.kubernetes.io/name: {{ include "passdrop.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "passdrop.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "passdrop.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "passdrop.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "passdrop.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* "true" when Passdrop runs on PostgreSQL (a URL given or a Secret named), "" on SQLite. */}}
{{- define "passdrop.usesPostgres" -}}
{{- if or .Values.database.existingSecret .Values.database.url -}}true{{- end -}}
{{- end -}}

{{/* "true" when the chart makes its own Secret (a master key or database URL given as a value). */}}
{{- define "passdrop.createsSecret" -}}
{{- if or (and .Values.masterKey.value (not .Values.masterKey.existingSecret)) (and .Values.database.url (not .Values.database.existingSecret)) -}}true{{- end -}}
{{- end -}}

{{- define "passdrop.masterKeySecret" -}}
{{- default (include "passdrop.fullname" .) .Values.masterKey.existingSecret -}}
{{- end -}}

{{- define "passdrop.masterKeySecretKey" -}}
{{- if .Values.masterKey.existingSecret -}}{{ .Values.masterKey.existingSecretKey }}{{- else -}}master-key{{- end -}}
{{- end -}}

{{- define "passdrop.databaseSecret" -}}
{{- default (include "passdrop.fullname" .) .Values.database.existingSecret -}}
{{- end -}}

{{- define "passdrop.databaseSecretKey" -}}
{{- if .Values.database.existingSecret -}}{{ .Values.database.existingSecretKey }}{{- else -}}database-url{{- end -}}
{{- end -}}

{{- define "passdrop.sqliteClaim" -}}
{{- default (printf "%s-data" (include "passdrop.fullname" .)) .Values.persistence.existingClaim -}}
{{- end -}}

{{/* Refuses values that cannot work, with the reason; included by every template that depends on them. */}}
{{- define "passdrop.checkValues" -}}
{{- if not (or .Values.masterKey.existingSecret .Values.masterKey.value) -}}
{{- fail "masterKey.existingSecret or masterKey.value is required: every replica needs the same master key (64 hex characters: openssl rand -hex 32)" -}}
{{- end -}}
{{- if and (not (include "passdrop.usesPostgres" .)) (gt (int .Values.replicaCount) 1) -}}
{{- fail "SQLite works with one replica only: set database.existingSecret or database.url to a PostgreSQL database, or replicaCount to 1" -}}
{{- end -}}
{{- end -}}
